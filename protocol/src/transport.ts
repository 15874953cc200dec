/**
 * Transport security every server of the platform uses (edge and cloud alike): Mozilla "intermediate" (ssl-config-
 * generator 6.0) for TLS 1.2 — ECDHE with AES-GCM or ChaCha20-Poly1305 — and the default TLS 1.3 suites, which are
 * the same list. Mozilla's key-exchange list starts with X25519MLKEM768, which Node 20 cannot set ("Failed to set
 * ECDH curve"), so the classical curves remain. Plain data, so that it fits Node's `tls` options without importing it.
 */
export const TLS_SERVER_POLICY = {
  minVersion: "TLSv1.2",
  ciphers: [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
  ].join(":"),
  ecdhCurve: "X25519:prime256v1:secp384r1",
  honorCipherOrder: false,
} as const;

/** HSTS for two years including subdomains (Mozilla's recommendation; ASVS 3.4.1 asks for at least one year). */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;
