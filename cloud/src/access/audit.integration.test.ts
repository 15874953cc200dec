import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AuditVerification, MachineCredentialCreated, TokenPair, UserCreated } from "@desksharing/protocol";

import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

describe.each(PROVIDERS_UNDER_TEST)("audit log on %s", (provider) => {
  let t: TestCloud;
  const secrets: string[] = [];

  const verify = async (): Promise<AuditVerification> =>
    (await t.admin.get("/api/v1/audit/verify")).json as AuditVerification;
  const rows = () => t.cloud.database.db.auditLog.findMany({ orderBy: { seq: "asc" } });
  const sql = (statement: string) => t.cloud.database.db.$executeRawUnsafe(statement);

  beforeAll(async () => {
    t = await startTestCloud(provider);
    const user = (
      await t.admin.post("/api/v1/users", { name: "Otto Normal", email: "otto@example.com", role: "employee" })
    ).json as UserCreated;
    const session = await t.login("otto@example.com", user.initialPassword);
    const refreshed = (await t.admin.as(null).post("/api/v1/auth/refresh", { refreshToken: session.refreshToken }))
      .json as TokenPair;
    await t.admin.as(null).post("/api/v1/auth/login", { email: "otto@example.com", password: "wrong password here" });
    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    const machine = (
      await t.admin.post("/api/v1/machine-credentials", { siteId: site.id, kind: "kiosk", name: "Lobby" })
    ).json as MachineCredentialCreated;
    await t.admin.patch("/api/v1/organisation/settings", { privacy: { showNamesOnKiosk: true } });
    secrets.push(
      user.initialPassword,
      session.accessToken,
      session.refreshToken,
      refreshed.refreshToken,
      machine.secret,
      t.adminPassword,
      t.admin.token!,
    );
  });
  afterAll(() => t?.stop());

  it("records security events without secrets, names or e-mails", async () => {
    const all = await rows();
    const actions = all.map((row) => row.action);
    for (const action of [
      "user_create",
      "authn_login_success",
      "authn_login_fail",
      "token_refresh",
      "machine_credential_create",
      "settings_change",
    ]) {
      expect(actions).toContain(action);
    }
    const text = JSON.stringify(all);
    for (const secret of secrets) expect(text).not.toContain(secret);
    for (const pattern of [/dsr_/, /dsk_[a-z]+_/, /eyJ/, /\$argon2/, /otto/i, /Normal/])
      expect(text).not.toMatch(pattern);
    expect(await verify()).toEqual({ ok: true, count: all.length, headSeq: all.at(-1)!.seq });
  });

  it("detects a changed entry", async () => {
    const [, second] = await rows();
    await sql(`UPDATE audit_log SET actor = 'user:someone-else' WHERE seq = ${second!.seq}`);
    expect(await verify()).toEqual({ ok: false, seq: second!.seq, problem: "changed" });
    await sql(`UPDATE audit_log SET actor = '${second!.actor}' WHERE seq = ${second!.seq}`);
    expect((await verify()).ok).toBe(true);
  });

  it("detects a removed entry", async () => {
    const all = await rows();
    const third = all[2]!;
    await t.cloud.database.db.auditLog.delete({ where: { seq: third.seq } });
    expect(await verify()).toEqual({ ok: false, seq: all[3]!.seq, problem: "removed" });
    await t.cloud.database.db.auditLog.create({ data: third });
    expect((await verify()).ok).toBe(true);
  });

  it("detects reordered entries", async () => {
    const all = await rows();
    const [a, b] = [all[1]!, all[2]!];
    // Swap the two entries' positions, each keeping its own content and hash.
    await sql(`UPDATE audit_log SET seq = -1 WHERE seq = ${a.seq}`);
    await sql(`UPDATE audit_log SET seq = ${a.seq} WHERE seq = ${b.seq}`);
    await sql(`UPDATE audit_log SET seq = ${b.seq} WHERE seq = -1`);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ seq: a.seq });
    await sql(`UPDATE audit_log SET seq = -1 WHERE seq = ${a.seq}`);
    await sql(`UPDATE audit_log SET seq = ${a.seq} WHERE seq = ${b.seq}`);
    await sql(`UPDATE audit_log SET seq = ${b.seq} WHERE seq = -1`);
    expect((await verify()).ok).toBe(true);
  });

  it("detects entries cut off the end, against the head kept outside the database", async () => {
    const last = (await rows()).at(-1)!;
    await t.cloud.database.db.auditLog.delete({ where: { seq: last.seq } });
    expect(await verify()).toEqual({ ok: false, seq: null, problem: "truncated" });
    await t.cloud.database.db.auditLog.create({ data: last });
    expect((await verify()).ok).toBe(true);
  });

  it("keeps one chain when many events are appended at once", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.cloud.access.audit.record({ at: new Date(), action: "test_event", actor: "system:test", details: { i } }),
      ),
    );
    const result = await verify();
    expect(result.ok).toBe(true);
  });
});
