import { existsSync } from "node:fs";
import { createServer } from "node:https";
import type { Server } from "node:https";
import path from "node:path";

import express from "express";

import type { TlsMaterial } from "./certificates.js";

/** Mozilla "intermediate" (v6): ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2; TLS 1.3 suites as default. */
const INTERMEDIATE_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** Mozilla's list without X25519MLKEM768, which Node 20 cannot set. */
const ECDH_CURVES = "X25519:prime256v1:secp384r1";

export interface Health {
  status: "ok" | "degraded";
  [key: string]: unknown;
}

export interface HttpsRoutes {
  health(): Health;
  metrics(): Promise<{ contentType: string; body: string }>;
  kioskDir: string;
}

const MISSING_KIOSK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kiosk not built</title></head>
<body><h1>The kiosk app is not built yet</h1><p>Run <code>npm run build -w kiosk</code>, then reload this page.</p></body></html>`;

/** The edge's one HTTPS server: health, metrics and the kiosk app (socket.io attaches to the same server). */
export function createHttpsServer(tls: TlsMaterial, routes: HttpsRoutes): Server {
  const app = express();
  app.disable("x-powered-by");
  app.use((_req, res, next) => {
    res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  });
  app.get("/health", (_req, res) => {
    const health = routes.health();
    res.setHeader("Cache-Control", "no-store");
    res.status(health.status === "ok" ? 200 : 503).json(health);
  });
  app.get("/metrics", async (_req, res, next) => {
    try {
      const { contentType, body } = await routes.metrics();
      res.setHeader("Content-Type", contentType);
      res.send(body);
    } catch (error) {
      next(error);
    }
  });
  const index = path.join(routes.kioskDir, "index.html");
  app.use(express.static(routes.kioskDir, { index: "index.html", fallthrough: true }));
  app.get("/{*path}", (_req, res) => {
    if (existsSync(index)) res.sendFile(index);
    else res.status(200).type("html").send(MISSING_KIOSK);
  });
  app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: { code: "INTERNAL", message: "internal error" } });
  });
  return createServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: "TLSv1.2",
      ciphers: INTERMEDIATE_CIPHERS,
      ecdhCurve: ECDH_CURVES,
      honorCipherOrder: false,
    },
    app,
  );
}
