import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { FloorPlan, FloorPlanImport } from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { SCOPES } from "../domain/principal.js";
import type { ApiClient, RequestOptions } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";
import type { AnyRoute } from "./route.js";

const floor1 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[0]!, "utf8")) as FloorPlan;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** A valid body for each route that takes one, so that only the foreign ids can make a request fail. */
function bodyFor(route: AnyRoute, siteKey: string): RequestOptions {
  if (route.body === undefined) return {};
  if (route.body.kind === "image") return { body: { data: PNG, contentType: "image/png" } };
  switch (route.operationId) {
    case "importFloorPlan":
    case "updateFloorPlanDraft":
      return { json: { ...floor1, siteId: siteKey } };
    case "updateSite":
      return { json: { name: "Hijacked" } };
    case "createSite":
      return { json: { key: "other", name: "Other", address: "", timeZone: "UTC" } };
    case "updateOrganisationSettings":
      return { json: { privacy: { showNamesOnKiosk: true } } };
    default:
      throw new Error(`no body for ${route.operationId}: add one to the tenancy matrix`);
  }
}

describe.each(PROVIDERS_UNDER_TEST)("tenancy on %s", (provider) => {
  let t: TestCloud;
  let intruder: ApiClient;
  /** The victim's (sample organisation's) ids. */
  const ids: Record<string, string> = {};
  let victimState: () => Promise<unknown>;

  beforeAll(async () => {
    t = await startTestCloud(provider);
    const other = await t.newOrganisation("Intruder AG");
    intruder = other.client;
    // The intruder has a site with the same key, so that nothing but the organisation tells them apart.
    const own = await intruder.post("/api/v1/sites", { key: "hq", name: "Intruder HQ", address: "", timeZone: "UTC" });
    expect(own.status).toBe(201);

    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    ids.siteId = site.id;
    const imported = (await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor1)).json as FloorPlanImport;
    ids.floorId = imported.floor.id;
    ids.version = String(imported.version.version);
    const image = await t.admin.request("POST", `/api/v1/floors/${ids.floorId}/images`, {
      body: { data: PNG, contentType: "image/png" },
    });
    ids.imageId = (image.json as { id: string }).id;

    victimState = async () => ({
      sites: (await t.admin.get("/api/v1/sites")).json,
      floors: (await t.admin.get(`/api/v1/sites/${ids.siteId}/floors`)).json,
      versions: (await t.admin.get(`/api/v1/floors/${ids.floorId}/versions`)).json,
      draft: (await t.admin.get(`/api/v1/floors/${ids.floorId}/versions/${ids.version}`)).json,
      images: (await t.admin.get(`/api/v1/floors/${ids.floorId}/images`)).json,
      settings: (await t.admin.get("/api/v1/organisation/settings")).json,
      organisation: (await t.admin.get("/api/v1/organisation")).json,
    });
  });
  afterAll(() => t?.stop());

  it("answers every route called with another organisation's ids as if they did not exist, and changes nothing", async () => {
    const before = await victimState();
    const withParams = t.cloud.routes.filter((route) => route.scope !== null && route.path.includes(":"));
    expect(withParams.length).toBeGreaterThanOrEqual(12);
    for (const route of withParams) {
      const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
        const value = ids[name];
        if (value === undefined) throw new Error(`no victim id for :${name} in ${route.path}`);
        return value;
      });
      const response = await intruder.request(route.method, path, bodyFor(route, "hq"));
      expect({ route: `${route.method} ${route.path}`, status: response.status, body: response.json }).toMatchObject({
        status: 404,
        body: { error: { code: "NOT_FOUND" } },
      });
    }
    expect(await victimState()).toEqual(before);
  });

  it("shows each organisation only its own data on the routes without ids", async () => {
    const before = await victimState();
    const victimIds = Object.values(ids).filter((id) => id.length > 8);
    const withoutParams = t.cloud.routes.filter((route) => route.scope !== null && !route.path.includes(":"));
    for (const route of withoutParams) {
      const response = await intruder.request(route.method, route.path, bodyFor(route, "hq"));
      expect(response.status, `${route.method} ${route.path}`).toBeLessThan(300);
      for (const id of victimIds) expect(response.text, `${route.method} ${route.path}`).not.toContain(id);
    }
    expect(await victimState()).toEqual(before);
  });

  it("requires a valid token on every protected route and the right scope", async () => {
    const protectedRoutes = t.cloud.routes.filter((route) => route.scope !== null);
    const anonymous = t.admin.as(null);
    const forged = t.admin.as(`dsk_${"A".repeat(43)}`);
    const scopeless = await t.clientWith([]);
    for (const route of protectedRoutes) {
      const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => ids[name] ?? "x");
      const options = bodyFor(route, "hq");
      for (const client of [anonymous, forged]) {
        const response = await client.request(route.method, path, options);
        expect([route.path, response.status, (response.json as { error: { code: string } }).error.code]).toEqual([
          route.path,
          401,
          "UNAUTHENTICATED",
        ]);
      }
      const forbidden = await scopeless.request(route.method, path, options);
      expect([route.path, forbidden.status]).toEqual([route.path, 403]);
    }
    const victimBefore = await victimState();
    const readOnly = await t.clientWith(SCOPES.filter((scope) => scope.endsWith(":read")));
    expect((await readOnly.get(`/api/v1/sites/${ids.siteId}`)).status).toBe(200);
    expect((await readOnly.patch(`/api/v1/sites/${ids.siteId}`, { name: "x" })).status).toBe(403);
    expect((await readOnly.post(`/api/v1/floors/${ids.floorId}/versions/${ids.version}/publish`)).status).toBe(403);
    expect(await victimState()).toEqual(victimBefore);
  });

  it("refuses a token once it is revoked and ignores tokens in the query string", async () => {
    const client = await t.clientWith(["sites:read"]);
    expect((await client.get("/api/v1/sites")).status).toBe(200);
    const principal = await t.cloud.repos.apiTokens.principalFor(client.token!, new Date());
    await t.cloud.repos.apiTokens.revoke(t.orgId, principal!.subject.replace(/^token:/, ""), new Date());
    expect((await client.get("/api/v1/sites")).status).toBe(401);
    const viaQuery = await t.admin.as(null).get(`/api/v1/sites?access_token=${t.admin.token}`);
    expect(viaQuery.status).toBe(401);
  });
});
