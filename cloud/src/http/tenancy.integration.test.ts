import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { FloorPlan, FloorPlanImport } from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { ALL_SCOPES, type Scope } from "../identity/scopes.js";
import type { ApiClient, RequestOptions } from "../test-support/client.js";
import { ORG_SCOPES, startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";
import type { AnyRoute } from "./route.js";

const floor1 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[0]!, "utf8")) as FloorPlan;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);

/** Routes that end the caller's own session; the sweeps below would sign the intruder out. */
const ENDS_OWN_SESSION = new Set(["logout", "logoutEverywhere", "changePassword"]);

/** A valid body for each route that takes one, so that only the foreign ids can make a request fail. */
function bodyFor(route: AnyRoute, siteKey: string, siteId = "x"): RequestOptions {
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
    case "createUser":
      return {
        json: { name: "New Person", email: `new-${Math.random().toString(36).slice(2)}@example.org`, role: "employee" },
      };
    case "changeUserRole":
      return { json: { role: "admin" } };
    case "createMachineCredential":
      return { json: { siteId, kind: "kiosk", name: "Lobby" } };
    case "changePassword":
      return { json: { currentPassword: "not the current password", newPassword: "a long enough new passphrase 42" } };
    default:
      throw new Error(`no body for ${route.operationId}: add one to the tenancy matrix`);
  }
}

describe.each(PROVIDERS_UNDER_TEST)("tenancy on %s", (provider) => {
  let t: TestCloud;
  let intruder: ApiClient;
  let intruderSiteId: string;
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
    intruderSiteId = (own.json as { id: string }).id;

    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    ids.siteId = site.id;
    const imported = (await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor1)).json as FloorPlanImport;
    ids.floorId = imported.floor.id;
    ids.version = String(imported.version.version);
    const image = await t.admin.request("POST", `/api/v1/floors/${ids.floorId}/images`, {
      body: { data: PNG, contentType: "image/png" },
    });
    ids.imageId = (image.json as { id: string }).id;
    const victim = await t.admin.post("/api/v1/users", { name: "Vic Tim", email: "vic@example.com", role: "employee" });
    ids.userId = (victim.json as { user: { id: string } }).user.id;
    const credential = await t.admin.post("/api/v1/machine-credentials", {
      siteId: site.id,
      kind: "gateway",
      name: "gw",
    });
    ids.credentialId = (credential.json as { credential: { id: string } }).credential.id;

    victimState = async () => ({
      sites: (await t.admin.get("/api/v1/sites")).json,
      floors: (await t.admin.get(`/api/v1/sites/${ids.siteId}/floors`)).json,
      versions: (await t.admin.get(`/api/v1/floors/${ids.floorId}/versions`)).json,
      draft: (await t.admin.get(`/api/v1/floors/${ids.floorId}/versions/${ids.version}`)).json,
      images: (await t.admin.get(`/api/v1/floors/${ids.floorId}/images`)).json,
      settings: (await t.admin.get("/api/v1/organisation/settings")).json,
      organisation: (await t.admin.get("/api/v1/organisation")).json,
      users: (await t.admin.get("/api/v1/users")).json,
      credentials: (await t.admin.get("/api/v1/machine-credentials")).json,
    });
  });
  afterAll(() => t?.stop());

  it("answers every route called with another organisation's ids as if they did not exist, and changes nothing", async () => {
    const before = await victimState();
    const withParams = t.cloud.routes.filter((route) => route.scope !== null && route.path.includes(":"));
    expect(withParams.length).toBeGreaterThanOrEqual(16);
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
    const withoutParams = t.cloud.routes.filter(
      (route) =>
        route.scope !== null &&
        ORG_SCOPES.includes(route.scope) &&
        !route.path.includes(":") &&
        !ENDS_OWN_SESSION.has(route.operationId),
    );
    expect(withoutParams.length).toBeGreaterThanOrEqual(12);
    for (const route of withoutParams) {
      const response = await intruder.request(route.method, route.path, bodyFor(route, "hq", intruderSiteId));
      expect(response.status, `${route.method} ${route.path}`).toBeLessThan(300);
      for (const id of victimIds) expect(response.text, `${route.method} ${route.path}`).not.toContain(id);
    }
    expect(await victimState()).toEqual(before);
  });

  it("requires a valid token on every protected route, and refuses one that lacks the route's scope", async () => {
    const protectedRoutes = t.cloud.routes.filter((route) => route.scope !== null);
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(28);
    const anonymous = t.admin.as(null);
    const forgedMachine = t.admin.as(`dsk_gateway_${"A".repeat(49)}`);
    const [header, payload] = t.admin.token!.split(".");
    const forgedJwt = t.admin.as(`${header}.${payload}.${"A".repeat(86)}`);
    const scopeless = await t.clientWith([]);
    const allBut = new Map<Scope, ApiClient>();
    for (const scope of new Set(protectedRoutes.map((route) => route.scope!))) {
      allBut.set(scope, await t.clientWith(ALL_SCOPES.filter((other) => other !== scope)));
    }
    for (const route of protectedRoutes) {
      const name = `${route.method} ${route.path}`;
      const path = route.path.replace(/:([A-Za-z]+)/g, (_, param: string) => ids[param] ?? "x");
      const options = bodyFor(route, "hq", ids.siteId);
      for (const client of [anonymous, forgedMachine, forgedJwt]) {
        const response = await client.request(route.method, path, options);
        expect([name, response.status, (response.json as { error: { code: string } }).error.code]).toEqual([
          name,
          401,
          "UNAUTHENTICATED",
        ]);
      }
      for (const client of [scopeless, allBut.get(route.scope!)!]) {
        const forbidden = await client.request(route.method, path, options);
        expect([name, forbidden.status, (forbidden.json as { error: { message: string } }).error.message]).toEqual([
          name,
          403,
          `this operation needs the '${route.scope}' scope`,
        ]);
      }
      // And the scope alone gets past the check (platform-wide revocation is exercised in its own test).
      if (route.operationId === "revokePlatform") continue;
      const only = await t.clientWith([route.scope!]);
      const allowed = await only.request(route.method, path, options);
      expect([name, allowed.status]).not.toEqual([name, 401]);
      expect((allowed.json as { error?: { message: string } } | undefined)?.error?.message ?? "").not.toMatch(
        /needs the/,
      );
    }
    const readOnly = await t.clientWith(ALL_SCOPES.filter((scope) => scope.endsWith(":read")));
    const victimBefore = await victimState();
    expect((await readOnly.get(`/api/v1/sites/${ids.siteId}`)).status).toBe(200);
    expect((await readOnly.patch(`/api/v1/sites/${ids.siteId}`, { name: "x" })).status).toBe(403);
    expect((await readOnly.post(`/api/v1/floors/${ids.floorId}/versions/${ids.version}/publish`)).status).toBe(403);
    expect(await victimState()).toEqual(victimBefore);
  });

  it("refuses a token once its session is signed out and ignores tokens in the query string", async () => {
    const user = await t.userWith(["sites:read", "account:manage"]);
    expect((await user.client.get("/api/v1/sites")).status).toBe(200);
    expect((await user.client.post("/api/v1/auth/logout")).status).toBe(204);
    expect((await user.client.get("/api/v1/sites")).status).toBe(401);
    const viaQuery = await t.admin.as(null).get(`/api/v1/sites?access_token=${t.admin.token}`);
    expect(viaQuery.status).toBe(401);
  });
});
