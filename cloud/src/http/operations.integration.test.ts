import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

describe.each(PROVIDERS_UNDER_TEST)("operations on %s", (provider) => {
  let t: TestCloud;

  beforeAll(async () => {
    t = await startTestCloud(provider);
  });
  afterAll(() => t?.stop());

  it("answers health without a token and readiness with the database in use", async () => {
    const anonymous = t.admin.as(null);
    expect((await anonymous.get("/api/v1/health")).json).toEqual({ status: "ok" });
    expect((await anonymous.get("/api/v1/ready")).json).toEqual({ status: "ready", database: provider });
  });

  it("counts requests and latency by route template, never by raw path or id", async () => {
    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    await t.admin.get(`/api/v1/sites/${site.id}`);
    await t.admin.get(`/api/v1/sites/${site.id}`);
    await t.admin.as(null).get("/api/v1/sites");
    const metrics = (await t.admin.as(null).get("/metrics")).text;
    expect(metrics).toMatch(
      /desk_cloud_http_requests_total\{method="GET",route="\/api\/v1\/sites\/:siteId",status="200"\} 2/,
    );
    expect(metrics).toMatch(/desk_cloud_http_requests_total\{method="GET",route="\/api\/v1\/sites",status="401"\} 1/);
    expect(metrics).toMatch(
      /desk_cloud_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/api\/v1\/sites"/,
    );
    expect(metrics).not.toContain(site.id);
    expect(metrics).not.toContain(t.admin.token);
  });

  it("stops cleanly: the port closes", async () => {
    const other = await startTestCloud(provider);
    await other.cloud.stop();
    await expect(other.admin.as(null).raw("GET", "/api/v1/health")).rejects.toThrow(/ECONNREFUSED/);
    await other.database.drop();
  });
});
