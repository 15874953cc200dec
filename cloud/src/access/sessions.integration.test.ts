import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AuditEntry, Jwks, TokenPair, UserCreated, UserDetail } from "@desksharing/protocol";

import { ROLE_SCOPES } from "../identity/scopes.js";
import type { ApiClient } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

describe.each(PROVIDERS_UNDER_TEST)("sign-in sessions on %s", (provider) => {
  let t: TestCloud;
  let anonymous: ApiClient;
  let employee: { id: string; email: string; password: string };

  const refresh = (refreshToken: string) => anonymous.post("/api/v1/auth/refresh", { refreshToken });
  const actions = async (): Promise<string[]> =>
    ((await t.admin.get("/api/v1/audit/events?limit=500")).json as { items: AuditEntry[] }).items.map((e) => e.action);

  beforeAll(async () => {
    t = await startTestCloud(provider);
    anonymous = t.admin.as(null);
    const created = await t.admin.post("/api/v1/users", {
      name: "Erika Mustermann",
      email: "Erika.Mustermann@example.com",
      role: "employee",
    });
    expect(created.status).toBe(201);
    const body = created.json as UserCreated;
    employee = { id: body.user.id, email: "erika.mustermann@example.com", password: body.initialPassword };
  });
  afterAll(() => t?.stop());

  it("issues an EdDSA at+jwt of ten minutes with the role's scopes, verifiable with the published JWKS", async () => {
    const session = await t.login(employee.email, employee.password);
    const header = decodeProtectedHeader(session.accessToken);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    const claims = decodeJwt(session.accessToken);
    expect(claims).toMatchObject({
      sub: employee.id,
      iss: "urn:desksharing:cloud",
      aud: "urn:desksharing:api",
      ver: 0,
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(typeof claims.jti).toBe("string");
    expect(typeof claims.sid).toBe("string");
    expect(String(claims.scope).split(" ").sort()).toEqual([...ROLE_SCOPES.employee].sort());
    expect(session.refreshToken).toMatch(/^dsr_/);
    const jwks = (await anonymous.get("/.well-known/jwks.json")).json as Jwks;
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2);
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);
    const me = await anonymous.as(session.accessToken).get("/api/v1/me");
    expect(me.json).toMatchObject({ id: employee.id, name: "Erika Mustermann", email: "Erika.Mustermann@example.com" });
    expect((await anonymous.as(session.accessToken).get("/api/v1/users")).status).toBe(403);
  });

  it("rotates the refresh token on every use; a reused one ends the whole session and is audited", async () => {
    const first = await t.login(employee.email, employee.password);
    const second = (await refresh(first.refreshToken)).json as TokenPair;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    const third = (await refresh(second.refreshToken)).json as TokenPair;
    expect((await anonymous.as(third.accessToken).get("/api/v1/me")).status).toBe(200);

    // An attacker replays the first refresh token: refused, and the legitimate holder's session ends too.
    expect((await refresh(first.refreshToken)).status).toBe(401);
    expect((await refresh(third.refreshToken)).status).toBe(401);
    expect((await anonymous.as(third.accessToken).get("/api/v1/me")).status).toBe(401);
    expect(await actions()).toContain("authn_token_reuse");
    // Other sessions of the same user are not affected.
    const other = await t.login(employee.email, employee.password);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it("signs out one session, or every session of the user", async () => {
    const a = await t.login(employee.email, employee.password);
    const b = await t.login(employee.email, employee.password);
    expect((await anonymous.as(a.accessToken).post("/api/v1/auth/logout")).status).toBe(204);
    expect((await anonymous.as(a.accessToken).get("/api/v1/me")).status).toBe(401);
    expect((await refresh(a.refreshToken)).status).toBe(401);
    expect((await anonymous.as(b.accessToken).get("/api/v1/me")).status).toBe(200);

    const c = await t.login(employee.email, employee.password);
    const everywhere = await anonymous.as(b.accessToken).post("/api/v1/auth/logout-everywhere");
    expect((everywhere.json as { revokedSessions: number }).revokedSessions).toBeGreaterThanOrEqual(2);
    for (const session of [b, c]) {
      expect((await anonymous.as(session.accessToken).get("/api/v1/me")).status).toBe(401);
      expect((await refresh(session.refreshToken)).status).toBe(401);
    }
  });

  it("changes a password only with the current one and a strong new one, and ends the other sessions", async () => {
    const other = await t.login(employee.email, employee.password);
    const session = await t.login(employee.email, employee.password);
    const me = anonymous.as(session.accessToken);
    const short = await me.post("/api/v1/me/password", {
      currentPassword: employee.password,
      newPassword: "tiny pass",
    });
    expect(short.status).toBe(422);
    expect((short.json as { error: { message: string } }).error.message).toContain("at least 15 characters");
    const personal = await me.post("/api/v1/me/password", {
      currentPassword: employee.password,
      newPassword: "erika mustermann example",
    });
    expect(personal.status).toBe(422);
    const reasons = (personal.json as { error: { details: { code: string }[] } }).error.details;
    expect(reasons.map((reason) => reason.code)).toContain("context_word");
    const wrong = await me.post("/api/v1/me/password", {
      currentPassword: "not my password at all",
      newPassword: "cobalt harbour lantern 1987 quietly",
    });
    expect(wrong.status).toBe(403);

    const changed = await me.post("/api/v1/me/password", {
      currentPassword: employee.password,
      newPassword: "cobalt harbour lantern 1987 quietly",
    });
    expect(changed.status).toBe(200);
    const fresh = changed.json as TokenPair;
    expect((await anonymous.as(fresh.accessToken).get("/api/v1/me")).status).toBe(200);
    for (const old of [other, session]) {
      expect((await anonymous.as(old.accessToken).get("/api/v1/me")).status).toBe(401);
      expect((await refresh(old.refreshToken)).status).toBe(401);
    }
    expect(
      (await anonymous.post("/api/v1/auth/login", { email: employee.email, password: employee.password })).status,
    ).toBe(401);
    employee.password = "cobalt harbour lantern 1987 quietly";
    await t.login(employee.email, employee.password);
    expect(await actions()).toContain("password_change");
  });

  it("applies a role change at once, and audits it and every look at another user's personal data", async () => {
    const session = await t.login(employee.email, employee.password);
    const changed = await t.admin.put(`/api/v1/users/${employee.id}/role`, { role: "facilities" });
    expect(changed.json).toMatchObject({ role: "facilities" });
    expect((await anonymous.as(session.accessToken).get("/api/v1/me")).status).toBe(401);
    const promoted = await t.login(employee.email, employee.password);
    expect(String(decodeJwt(promoted.accessToken).scope)).toContain("plans:publish");

    const viewed = await t.admin.get(`/api/v1/users/${employee.id}`);
    expect((viewed.json as UserDetail).email).toBe("Erika.Mustermann@example.com");
    const list = await t.admin.get("/api/v1/users");
    expect(list.text).not.toContain("Erika");
    const events = ((await t.admin.get("/api/v1/audit/events?limit=500")).json as { items: AuditEntry[] }).items;
    expect(events.find((e) => e.action === "role_change")).toMatchObject({
      target: `user:${employee.id}`,
      details: { previousRole: "employee", role: "facilities" },
    });
    expect(events.find((e) => e.action === "personal_data_view")).toMatchObject({ target: `user:${employee.id}` });
    expect(JSON.stringify(events)).not.toContain("Erika");
  });

  it("limits a user bound to one site to that site", async () => {
    const sites = (await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] };
    const other = await t.admin.post("/api/v1/sites", { key: "branch", name: "Branch", address: "", timeZone: "UTC" });
    const branchId = (other.json as { id: string }).id;
    const hq = sites.items[0]!.id;
    const limited = await t.userWith(["sites:read", "plans:read"], { siteIds: [hq] });
    const visible = (await limited.client.get("/api/v1/sites")).json as { items: { id: string }[] };
    expect(visible.items.map((site) => site.id)).toEqual([hq]);
    expect((await limited.client.get(`/api/v1/sites/${hq}`)).status).toBe(200);
    expect((await limited.client.get(`/api/v1/sites/${branchId}`)).status).toBe(403);
    expect((await limited.client.get(`/api/v1/sites/${branchId}/floor-plans`)).status).toBe(403);
    expect(
      (
        await t.admin.post("/api/v1/users", {
          name: "A B",
          email: "ab@example.com",
          role: "employee",
          siteIds: ["nope"],
        })
      ).status,
    ).toBe(422);
  });

  it("has no default account: the seeded admin's password is generated and a guessed one fails", async () => {
    expect(t.adminPassword.length).toBeGreaterThanOrEqual(24);
    for (const guess of ["admin", "password", "changeme", "Example GmbH"]) {
      expect((await anonymous.post("/api/v1/auth/login", { email: t.adminEmail, password: guess })).status).toBe(401);
    }
  });
});
