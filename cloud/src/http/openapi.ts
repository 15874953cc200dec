import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import type { z } from "zod";

import { ErrorBody } from "@desksharing/protocol";

import { HTTP_STATUS } from "./errors.js";
import { openApiPath, type AnyRoute } from "./route.js";

const COMMON_ERRORS: Record<number, string> = {
  400: "Malformed request (for example invalid JSON)",
  401: "Missing, invalid, expired or revoked token",
  403: "The token lacks the scope",
  404: "Not found in the caller's organisation",
  409: "Conflicts with the current state",
  413: "Body larger than the limit",
  415: "Unsupported content type",
  422: "Well-formed but invalid (wrong types, unknown keys or query parameters, broken geometry)",
  429: "Too many attempts; wait for Retry-After seconds",
  500: "Internal error",
  503: "Not ready",
};

function errorStatuses(route: AnyRoute): number[] {
  // Every route validates its query (a route without a query schema refuses any parameter), hence 422 everywhere.
  const statuses = new Set<number>([HTTP_STATUS.INTERNAL, HTTP_STATUS.VALIDATION_FAILED, ...(route.errors ?? [])]);
  if (route.scope !== null) [401, 403, 404].forEach((status) => statuses.add(status));
  if (route.body !== undefined) [400, 413, 415].forEach((status) => statuses.add(status));
  return [...statuses].sort();
}

/** The OpenAPI 3.1 document of exactly the mounted routes, from the same zod schemas that validate them. */
export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): unknown {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description:
      "An access JWT from /api/v1/auth/login (users) or a machine credential dsk_<kind>_… (gateways, kiosks, " +
      "integrations), carrying the scope the operation lists",
  });
  for (const route of routes) {
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType | object }> }> =
      {};
    const success = route.response;
    responses[String(success.status)] =
      success.kind === "json"
        ? { description: success.description, content: { "application/json": { schema: success.schema } } }
        : success.kind === "binary"
          ? {
              description: success.description,
              content: Object.fromEntries(
                success.contentTypes.map((type) => [type, { schema: { type: "string", format: "binary" } }]),
              ),
            }
          : success.kind === "text"
            ? {
                description: success.description,
                content: { [success.contentType]: { schema: { type: "string" } } },
              }
            : { description: success.description };
    for (const status of errorStatuses(route)) {
      responses[String(status)] = {
        description: COMMON_ERRORS[status] ?? "Error",
        content: { "application/json": { schema: ErrorBody } },
      };
    }
    const body = route.body;
    registry.registerPath({
      method: route.method,
      path: openApiPath(route.path),
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.scope === null
        ? { security: [] }
        : { security: [{ [bearer.name]: [] }], description: `Requires the scope \`${route.scope}\`.` }),
      request: {
        ...(route.params !== undefined ? { params: route.params as z.ZodObject } : {}),
        ...(route.query !== undefined ? { query: route.query } : {}),
        ...(body?.kind === "json"
          ? { body: { required: true, content: { "application/json": { schema: body.schema } } } }
          : body?.kind === "image"
            ? {
                body: {
                  required: true,
                  content: Object.fromEntries(
                    ["image/png", "image/jpeg", "image/webp"].map((type) => [
                      type,
                      { schema: { type: "string", format: "binary" } },
                    ]),
                  ),
                },
              }
            : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "Desk sharing cloud API", version },
    servers: [{ url: "/" }],
  });
}
