import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SecureContextOptions, TlsOptions } from "node:tls";

import { generate } from "selfsigned";

import type { CloudConfig } from "../config.js";

/**
 * Mozilla "intermediate" (ssl-config-generator 6.0): ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2; TLS 1.3
 * suites are Node's defaults, which are the same list. Mozilla's key-exchange list starts with X25519MLKEM768, which
 * Node 20 cannot set, so the classical curves remain.
 */
export const TLS_SETTINGS = {
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
} as const satisfies TlsOptions;

export interface TlsMaterial {
  cert: string;
  key: string;
  /** Where the certificate came from, for the start-up log. */
  source: "configured" | "generated" | "existing";
  certPath: string;
}

/** Configured certificate paths, or the development certificate in dataDir/tls (made on first start). */
export async function loadTlsMaterial(config: CloudConfig): Promise<TlsMaterial> {
  const { certFile, keyFile } = config.https;
  if (certFile !== undefined && keyFile !== undefined) {
    const [cert, key] = await Promise.all([readFile(certFile, "utf8"), readFile(keyFile, "utf8")]);
    return { cert, key, source: "configured", certPath: certFile };
  }
  const dir = path.join(config.dataDir, "tls");
  const certPath = path.join(dir, "cert.pem");
  const keyPath = path.join(dir, "key.pem");
  try {
    const [cert, key] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    return { cert, key, source: "existing", certPath };
  } catch {
    const pems = await generate([{ name: "commonName", value: "localhost" }], {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notAfterDate: new Date(Date.now() + 365 * 24 * 3_600_000),
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
          ],
        },
      ],
    });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(keyPath, pems.private, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    await writeFile(certPath, pems.cert, { mode: 0o644 });
    return { cert: pems.cert, key: pems.private, source: "generated", certPath };
  }
}

export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key };
}
