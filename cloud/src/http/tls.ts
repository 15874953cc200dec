import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SecureContextOptions, TlsOptions } from "node:tls";

import { TLS_SERVER_POLICY } from "@desksharing/protocol";
import { generate } from "selfsigned";

import type { CloudConfig } from "../config.js";

/** The platform's TLS policy (protocol `TLS_SERVER_POLICY`), checked against Node's option types here. */
export const TLS_SETTINGS = TLS_SERVER_POLICY satisfies TlsOptions;

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
