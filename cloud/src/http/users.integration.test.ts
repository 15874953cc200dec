import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { UserCreated, UserDetail, UserSummary } from "@desksharing/protocol";

import type { ApiClient } from "../test-support/client.js";
import { ORG_SCOPES, startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const FORBIDDEN = { status: 403, json: { error: { code: "FORBIDDEN" } } };

describe.each(PROVIDERS_UNDER_TEST)("site-limited user administration on %s", (provider) => {
  let t: TestCloud;
  let hq: string;
  let branch: string;
  let annex: string;
  /** An admin limited to hq and branch, holding every organisation scope. */
  let limited: ApiClient;
  let limitedId: string;

  const newUser = (siteIds?: string[] | null) => ({
    name: "New Person",
    email: `new-${Math.random().toString(36).slice(2)}@example.org`,
    role: "admin",
    ...(siteIds !== undefined ? { siteIds } : {}),
  });
  /** A user created by the unlimited seeded admin. */
  const userOf = async (siteIds: string[] | null): Promise<string> => {
    const created = await t.admin.post("/api/v1/users", { ...newUser(siteIds), role: "employee" });
    expect(created.status).toBe(201);
    return (created.json as UserCreated).user.id;
  };
  const users = async (): Promise<UserSummary[]> =>
    ((await t.admin.get("/api/v1/users")).json as { items: UserSummary[] }).items;
  const refusals = async (action: string) =>
    t.cloud.database.db.auditLog.count({ where: { action, outcome: "failure" } });

  beforeAll(async () => {
    t = await startTestCloud(provider);
    hq = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    const site = async (key: string) =>
      ((await t.admin.post("/api/v1/sites", { key, name: key, address: "", timeZone: "UTC" })).json as { id: string })
        .id;
    branch = await site("branch");
    annex = await site("annex");
    const admin = await t.userWith(ORG_SCOPES, { role: "admin", siteIds: [hq, branch] });
    limited = admin.client;
    limitedId = admin.id;
  });
  afterAll(() => t?.stop());

  it("creates users only when they are limited to some of the admin's own sites", async () => {
    const before = await users();
    const refusedBefore = await refusals("user_create");
    for (const siteIds of [undefined, null, [annex], [hq, annex], ["no-such-site"]]) {
      const refused = await limited.post("/api/v1/users", newUser(siteIds));
      expect({ siteIds, status: refused.status, json: refused.json }).toMatchObject({ siteIds, ...FORBIDDEN });
    }
    expect(await users()).toEqual(before);
    expect(await refusals("user_create")).toBe(refusedBefore + 5);

    const inReach = await limited.post("/api/v1/users", newUser([hq]));
    expect(inReach.status).toBe(201);
    expect((inReach.json as UserCreated).user).toMatchObject({ role: "admin", siteIds: [hq], platformAdmin: false });
    const both = await limited.post("/api/v1/users", newUser([branch, hq]));
    expect(both.status).toBe(201);
    // An unlimited admin still adds unlimited users.
    expect((await t.admin.post("/api/v1/users", newUser())).status).toBe(201);
  });

  it("changes a user's role and sites only within the admin's own sites", async () => {
    const target = await userOf([hq]);
    const widened = await limited.put(`/api/v1/users/${target}/role`, { role: "admin", siteIds: [hq, branch] });
    expect(widened.status).toBe(200);
    expect(widened.json).toMatchObject({ role: "admin", siteIds: [hq, branch] });

    const refusedBefore = await refusals("role_change");
    const before = await users();
    // Not beyond the admin's sites, not unlimited.
    for (const change of [
      { role: "admin" },
      { role: "admin", siteIds: null },
      { role: "employee", siteIds: [annex] },
    ]) {
      const refused = await limited.put(`/api/v1/users/${target}/role`, change);
      expect({ change, status: refused.status, json: refused.json }).toMatchObject({ change, ...FORBIDDEN });
    }
    // Not users who are unlimited, limited to other sites as well, or platform operators, even to narrow them.
    const operator = await t.cloud.access.accounts.createUser(
      t.orgId,
      { name: "Op Erator", email: "operator@example.org", role: "employee", siteIds: [hq], platformAdmin: true },
      "test",
      new Date(),
      { passwordHash: "!" },
    );
    expect(operator.ok).toBe(true);
    const outOfReach = [
      await userOf(null),
      await userOf([annex]),
      await userOf([hq, annex]),
      operator.ok ? operator.user.id : "",
      (await users()).find((user) => user.platformAdmin && user.siteIds === null)!.id,
    ];
    for (const userId of outOfReach) {
      const refused = await limited.put(`/api/v1/users/${userId}/role`, { role: "employee", siteIds: [hq] });
      expect({ userId, status: refused.status, json: refused.json }).toMatchObject({ userId, ...FORBIDDEN });
      const revoke = await limited.post(`/api/v1/users/${userId}/revoke-sessions`);
      expect({ userId, status: revoke.status, json: revoke.json }).toMatchObject({ userId, ...FORBIDDEN });
    }
    // Nor itself into an unlimited admin.
    const self = await limited.put(`/api/v1/users/${limitedId}/role`, { role: "admin" });
    expect(self).toMatchObject(FORBIDDEN);
    expect(await refusals("role_change")).toBe(refusedBefore + 3 + outOfReach.length + 1);
    expect((await users()).filter((user) => before.some((b) => b.id === user.id))).toEqual(before);

    expect((await limited.post(`/api/v1/users/${target}/revoke-sessions`)).status).toBe(200);
    expect((await limited.put("/api/v1/users/no-such-user/role", { role: "employee", siteIds: [hq] })).status).toBe(
      404,
    );
    // The limited admin's own token still works: nothing above bumped its token version.
    expect((await limited.get("/api/v1/users")).status).toBe(200);
    // An unlimited admin still changes anyone.
    expect((await t.admin.put(`/api/v1/users/${outOfReach[0]}/role`, { role: "facilities" })).status).toBe(200);
  });

  it("shows a site-limited admin only the users within its sites, the others as if they did not exist", async () => {
    const inReach = [await userOf([hq]), await userOf([hq, branch]), limitedId];
    const operator = await t.cloud.access.accounts.createUser(
      t.orgId,
      { name: "Op Limited", email: "operator-hq@example.org", role: "employee", siteIds: [hq], platformAdmin: true },
      "test",
      new Date(),
      { passwordHash: "!" },
    );
    if (!operator.ok) throw new Error(operator.code);
    const outOfReach = [
      await userOf(null),
      await userOf([annex]),
      await userOf([hq, annex]),
      operator.user.id,
      (await users()).find((user) => user.platformAdmin && user.siteIds === null)!.id,
    ];
    const all = await users();
    expect(all.map((user) => user.id)).toEqual(expect.arrayContaining([...inReach, ...outOfReach]));

    // The list holds exactly the users limited to some of hq and branch (not operators), and the admin itself.
    const listed = await limited.get("/api/v1/users");
    expect(listed.status).toBe(200);
    const mine = (user: UserSummary) =>
      user.id === limitedId ||
      (!user.platformAdmin &&
        user.siteIds !== null &&
        user.siteIds.length > 0 &&
        user.siteIds.every((id) => id === hq || id === branch));
    expect((listed.json as { items: UserSummary[] }).items).toEqual(all.filter(mine));
    expect((listed.json as { items: UserSummary[] }).items.map((user) => user.id)).toEqual(
      expect.arrayContaining(inReach),
    );

    // Reading one out of reach answers what reading no user answers, audits no view and unwraps no data key.
    const views = () => t.cloud.database.db.auditLog.count({ where: { action: "personal_data_view" } });
    const unwraps = () => t.cloud.database.db.keyAccessLog.count({ where: { actor: `user:${limitedId}` } });
    const [viewsBefore, unwrapsBefore] = [await views(), await unwraps()];
    const absent = await limited.get("/api/v1/users/no-such-user");
    expect(absent).toMatchObject({ status: 404, json: { error: { code: "NOT_FOUND" } } });
    for (const userId of outOfReach) {
      const refused = await limited.get(`/api/v1/users/${userId}`);
      expect({ userId, status: refused.status, json: refused.json }).toEqual({
        userId,
        status: 404,
        json: absent.json,
      });
    }
    expect([await views(), await unwraps()]).toEqual([viewsBefore, unwrapsBefore]);

    for (const userId of inReach) {
      const shown = await limited.get(`/api/v1/users/${userId}`);
      expect({ userId, status: shown.status }).toEqual({ userId, status: 200 });
      const detail = shown.json as UserDetail;
      expect([detail.id, detail.name.length > 0, detail.email.includes("@")]).toEqual([userId, true, true]);
    }
    // Its own record is no view of someone else's data.
    expect(await views()).toBe(viewsBefore + inReach.length - 1);

    // An unlimited admin still sees everyone.
    for (const userId of outOfReach) {
      const shown = await t.admin.get(`/api/v1/users/${userId}`);
      expect({ userId, status: shown.status }).toEqual({ userId, status: 200 });
      expect((shown.json as UserDetail).id).toBe(userId);
    }
  });
});
