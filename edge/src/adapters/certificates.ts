import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

export interface TlsMaterial {
  cert: string;
  key: string;
  selfSigned: boolean;
}

/**
 * The configured certificate, or a self-signed development certificate kept in `DATA_DIR/tls/` (created on first
 * start, reused afterwards; valid 365 days, which browsers accept).
 */
export async function loadOrCreateCertificate(
  dataDir: string,
  configured: { certFile?: string | undefined; keyFile?: string | undefined },
): Promise<TlsMaterial> {
  if (configured.certFile !== undefined && configured.keyFile !== undefined) {
    return {
      cert: readFileSync(configured.certFile, "utf8"),
      key: readFileSync(configured.keyFile, "utf8"),
      selfSigned: false,
    };
  }
  const dir = path.join(dataDir, "tls");
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8"), selfSigned: true };
  }
  const notBeforeDate = new Date(Date.now() - 60_000);
  // loaded only when a certificate has to be made: it is large and needed once per data directory
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 365 * 24 * 3_600_000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 2, value: hostname() },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, selfSigned: true };
}
