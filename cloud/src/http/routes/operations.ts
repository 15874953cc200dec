import { z } from "zod";

import { ERROR_CODES, Health, Readiness } from "@desksharing/protocol";

import { ApiError } from "../errors.js";
import type { HttpMetrics } from "../metrics.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { API, type RouteDeps } from "./common.js";

export interface OperationsDeps extends RouteDeps {
  metrics: HttpMetrics;
  /** Built from every route, this one included, after all are defined. */
  openApiDocument: () => unknown;
}

export function operationsRoutes({ database, metrics, openApiDocument }: OperationsDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: `${API}/health`,
      operationId: "health",
      summary: "Liveness: the process answers",
      tag: "operations",
      scope: null,
      response: { kind: "json", status: 200, schema: Health, description: "Alive" },
      handler: () => ({ status: 200, body: { status: "ok" } }),
    }),
    defineRoute({
      method: "get",
      path: `${API}/ready`,
      operationId: "ready",
      summary: "Readiness: the database answers",
      tag: "operations",
      scope: null,
      response: { kind: "json", status: 200, schema: Readiness, description: "Ready to serve" },
      errors: [503],
      handler: async () => {
        try {
          await database.ping();
        } catch {
          throw new ApiError(ERROR_CODES.UNAVAILABLE, "the database does not answer");
        }
        return { status: 200, body: { status: "ready", database: database.target.provider } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics (request counts and latency by route)",
      tag: "operations",
      scope: null,
      response: { kind: "text", status: 200, contentType: "text/plain", description: "Prometheus text format" },
      handler: async () => ({
        status: 200,
        text: await metrics.registry.metrics(),
        contentType: metrics.registry.contentType,
      }),
    }),
    defineRoute({
      method: "get",
      path: `${API}/openapi.json`,
      operationId: "openApi",
      summary: "This document",
      tag: "operations",
      scope: null,
      response: {
        kind: "json",
        status: 200,
        schema: z.looseObject({ openapi: z.string() }),
        description: "OpenAPI 3.1",
      },
      handler: () => ({ status: 200, body: openApiDocument() }),
    }),
  ];
}
