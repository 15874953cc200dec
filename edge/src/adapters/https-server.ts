import { existsSync } from "node:fs";
import { createServer } from "node:https";
import type { Server } from "node:https";
import path from "node:path";

import { HSTS_MAX_AGE_SECONDS, TLS_SERVER_POLICY } from "@desksharing/protocol";
import express from "express";

import type { TlsMaterial } from "./certificates.js";

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
    res.setHeader("Strict-Transport-Security", `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`);
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
      ...TLS_SERVER_POLICY,
    },
    app,
  );
}
