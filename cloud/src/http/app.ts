import express, { type Express } from "express";
import helmet from "helmet";
import type { Logger } from "pino";

import { ERROR_CODES, HSTS_MAX_AGE_SECONDS } from "@desksharing/protocol";

import type { CloudConfig } from "../config.js";
import type { Authenticator } from "./auth.js";
import { ApiError, errorMiddleware } from "./errors.js";
import type { HttpMetrics } from "./metrics.js";
import { mountRoutes } from "./mount.js";
import type { AnyRoute } from "./route.js";

export interface HttpAppDeps {
  config: CloudConfig;
  routes: readonly AnyRoute[];
  authenticator: Authenticator;
  metrics: HttpMetrics;
  logger: Logger;
  now: () => Date;
}

export function createHttpApp({ config, routes, authenticator, metrics, logger, now }: HttpAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use(
    helmet({
      strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true },
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], objectSrc: ["'none'"] },
      },
    }),
  );
  app.use((_req, res, next) => {
    // API answers carry tenant data; nothing is to be kept by browsers or proxies (ASVS 14.3.2).
    res.set("Cache-Control", "no-store");
    next();
  });
  app.use(metrics.middleware);
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      logger.info(
        {
          method: req.method,
          route: typeof res.locals.route === "string" ? res.locals.route : "unmatched",
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    next();
  });
  mountRoutes(app, routes, { authenticator, limits: config.limits, now });
  app.use((_req, _res, next) => next(new ApiError(ERROR_CODES.NOT_FOUND, "no such route")));
  app.use(errorMiddleware(logger));
  return app;
}
