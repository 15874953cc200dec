import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";

import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { openApiPath } from "./route.js";

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: Record<string, unknown>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<
    string,
    Record<string, { operationId: string; parameters?: Parameter[]; responses: Record<string, unknown> }>
  >;
}

/** Express 5 keeps its layers on `app.router.stack`; a layer with a `route` is a mounted endpoint. */
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe("OpenAPI document", () => {
  let t: TestCloud;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestCloud("sqlite");
    document = (await t.admin.as(null).get("/api/v1/openapi.json")).json as OpenApiDocument;
  });
  afterAll(() => t?.stop());

  it("lists exactly the mounted routes", () => {
    const app = t.cloud.server.listeners("request").find((listener) => "router" in listener) as unknown as {
      router: { stack: Layer[] };
    };
    const mounted = app.router.stack
      .flatMap((layer) =>
        layer.route === undefined
          ? []
          : Object.keys(layer.route.methods).map((method) => `${method} ${openApiPath(layer.route!.path)}`),
      )
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`))
      .sort();
    expect(mounted.length).toBeGreaterThanOrEqual(t.cloud.routes.length);
    expect(documented).toEqual(mounted);
  });

  it("documents a success response and the error body for every operation", () => {
    expect(document.openapi).toBe("3.1.0");
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((status) => status.startsWith("2")),
          `${method} ${path}`,
        ).toBe(true);
        expect(statuses, `${method} ${path}`).toContain("500");
        // every route refuses unknown query parameters
        expect(statuses, `${method} ${path}`).toContain("422");
      }
    }
    const importPlan = document.paths["/api/v1/sites/{siteId}/floor-plans"]?.post;
    expect(Object.keys(importPlan?.responses ?? {})).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "404", "413", "415", "422"]),
    );
  });

  it("documents every query parameter of the route table, and no other", () => {
    const withQuery = t.cloud.routes.filter((route) => route.query !== undefined);
    expect(withQuery.map((route) => route.operationId)).toContain("listAuditEvents");
    for (const route of t.cloud.routes) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method];
      const documented = (operation?.parameters ?? [])
        .filter((parameter) => parameter.in === "query")
        .map(({ name, required }) => ({ name, required: required ?? false }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const declared = (Object.entries(route.query?.shape ?? {}) as [string, z.ZodType][])
        .map(([name, schema]) => ({ name, required: !schema.safeParse(undefined).success }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(documented, `${route.method} ${route.path}`).toEqual(declared);
    }
    const limit = document.paths["/api/v1/audit/events"]?.get?.parameters?.find((p) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false });
    expect(limit?.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 500, default: 100 });
  });

  it("validates every response of the client against the documented schema", async () => {
    const before = t.admin.checked;
    await t.admin.get("/api/v1/sites");
    expect(t.admin.checked).toBe(before + 1);
  });
});
