import { connect as netConnect } from "node:net";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { connect as tlsConnect, createServer as createTlsServer, type ConnectionOptions } from "node:tls";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestCloud, type TestCloud } from "../test-support/cloud.js";

/** Transport does not depend on the database, so SQLite is enough here. */
describe("HTTPS transport", () => {
  let t: TestCloud;
  let port: number;

  beforeAll(async () => {
    t = await startTestCloud("sqlite");
    port = Number(new URL(t.cloud.url).port);
  });
  afterAll(() => t?.stop());

  function handshake(
    options: ConnectionOptions,
    to: number = port,
  ): Promise<{ protocol: string | null; cipher: string }> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: "127.0.0.1",
        port: to,
        servername: "localhost",
        ca: t.cloud.caCertificate,
        ...options,
      });
      socket.once("secureConnect", () => {
        const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
        socket.end();
        resolve(result);
      });
      socket.once("error", reject);
    });
  }

  it("negotiates TLS 1.3 by default and TLS 1.2 with an ECDHE AEAD suite", async () => {
    expect((await handshake({})).protocol).toBe("TLSv1.3");
    const tls12 = await handshake({ maxVersion: "TLSv1.2" });
    expect(tls12.protocol).toBe("TLSv1.2");
    expect(tls12.cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
  });

  it.each(["TLSv1", "TLSv1.1"] as const)("refuses a %s client", async (version) => {
    // OpenSSL's default security level would not even offer TLS 1.0/1.1; level 0 makes the client really try.
    const oldClient = { minVersion: version, maxVersion: version, ciphers: "DEFAULT@SECLEVEL=0" } as const;
    await expect(handshake(oldClient)).rejects.toThrow(/protocol|version|alert/i);

    // Control: the same client does get through to a server that still allows old versions.
    const tlsDir = path.join(t.database.dataDir, "tls");
    const permissive = createTlsServer({
      cert: readFileSync(path.join(tlsDir, "cert.pem")),
      key: readFileSync(path.join(tlsDir, "key.pem")),
      minVersion: "TLSv1",
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    await new Promise<void>((resolve) => permissive.listen(0, "127.0.0.1", resolve));
    try {
      const { protocol } = await handshake(oldClient, (permissive.address() as AddressInfo).port);
      expect(protocol).toBe(version);
    } finally {
      permissive.close();
    }
  });

  it("refuses TLS 1.2 suites outside the Mozilla intermediate list (CBC, no forward secrecy)", async () => {
    await expect(
      handshake({ maxVersion: "TLSv1.2", ciphers: "AES128-SHA:AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA" }),
    ).rejects.toThrow(/handshake|cipher|alert/i);
  });

  it("gives a plaintext HTTP client no HTTP answer", async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const socket = netConnect({ host: "127.0.0.1", port }, () => {
        socket.write("GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      });
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
      socket.on("error", reject);
      socket.setTimeout(10_000, () => reject(new Error("the server neither answered nor closed")));
    });
    expect(received).not.toMatch(/^HTTP\//);
    expect(received).not.toContain("status");
  });

  it("sends HSTS for two years with subdomains and the security headers on every answer", async () => {
    for (const path of ["/api/v1/health", "/api/v1/nothing-here", "/api/v1/sites"]) {
      const response = await t.admin.as(null).get(path);
      expect(response.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
      expect(response.headers["x-powered-by"]).toBeUndefined();
    }
  });
});
