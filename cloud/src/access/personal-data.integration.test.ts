import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { UserCreated, UserDetail } from "@desksharing/protocol";

import { parsePostgresUrl } from "../db/pg-url.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST, TEST_POSTGRES } from "../test-support/databases.js";
import { createAccess } from "./index.js";
import { rotateMasterKey } from "./key-rotation.js";

/** Every text value of every table, straight from PostgreSQL, whatever the application thinks is in there. */
async function postgresTextValues(databaseUrl: string): Promise<string[]> {
  const { schema } = parsePostgresUrl(databaseUrl);
  const client = new pg.Client({ connectionString: TEST_POSTGRES });
  await client.connect();
  try {
    const columns = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1",
      [schema],
    );
    const values: string[] = [];
    for (const { table_name: table, column_name: column } of columns.rows) {
      const rows = await client.query<{ v: string | null }>(
        `SELECT "${column}"::text AS v FROM "${schema}"."${table}"`,
      );
      for (const row of rows.rows) if (row.v !== null) values.push(row.v);
    }
    return values;
  } finally {
    await client.end();
  }
}

describe.each(PROVIDERS_UNDER_TEST)("personal data at rest on %s", (provider) => {
  let t: TestCloud;
  const canaries: { name: string; email: string; id: string; password: string }[] = [];

  beforeAll(async () => {
    t = await startTestCloud(provider);
    for (let i = 0; i < 3; i += 1) {
      const tag = randomBytes(5).toString("hex");
      const name = `Quintessa Canary${tag}`;
      const email = `Canary.${tag}@Example.org`;
      const created = (await t.admin.post("/api/v1/users", { name, email, role: "employee" })).json as UserCreated;
      canaries.push({ name, email, id: created.user.id, password: created.initialPassword });
    }
    // Through every path that touches them: sign-in by e-mail, own profile, an admin's view.
    await t.login(canaries[0]!.email.toLowerCase(), canaries[0]!.password);
    for (const canary of canaries) await t.admin.get(`/api/v1/users/${canary.id}`);
  });
  afterAll(() => t?.stop());

  it("stores no name or e-mail in clear: not in the SQLite file and WAL, not in any PostgreSQL column", async () => {
    const needles = canaries.flatMap((canary) => [
      canary.name,
      canary.name.split(" ")[1]!,
      canary.email,
      canary.email.toLowerCase(),
      canary.email.split("@")[0]!.toLowerCase(),
    ]);
    let haystacks: Buffer[];
    if (provider === "sqlite") {
      const file = t.database.url.replace(/^file:/, "");
      haystacks = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f));
      expect(haystacks.reduce((sum, bytes) => sum + bytes.length, 0)).toBeGreaterThan(100_000);
      // The users really are in there (their ids are), only their personal data is not readable.
      expect(haystacks.some((bytes) => bytes.includes(canaries[0]!.id))).toBe(true);
    } else {
      const values = await postgresTextValues(t.database.url);
      expect(values).toContain(canaries[0]!.id);
      haystacks = [Buffer.from(values.join("\n"))];
    }
    for (const needle of needles) {
      for (const bytes of haystacks) {
        expect(bytes.includes(Buffer.from(needle, "utf8")), needle).toBe(false);
        expect(bytes.includes(Buffer.from(needle, "utf16le")), needle).toBe(false);
      }
    }
    const logged = readFileSync(path.join(t.cloud.config.dataDir, "audit-head.json"), "utf8");
    for (const needle of needles) expect(logged).not.toContain(needle);
  });

  it("writes every data-key use to the key-access log and decrypts for the API", async () => {
    const rows = await t.cloud.database.db.keyAccessLog.findMany();
    expect(rows.map((row) => row.operation)).toContain("create");
    expect(rows.every((row) => row.actor !== "" && row.purpose !== "" && row.masterKeyId.startsWith("mk_"))).toBe(true);
    t.cloud.access.dataKeys.clearCache();
    const before = rows.length;
    const user = (await t.admin.get(`/api/v1/users/${canaries[1]!.id}`)).json as UserDetail;
    expect(user).toMatchObject({ name: canaries[1]!.name, email: canaries[1]!.email });
    const after = await t.cloud.database.db.keyAccessLog.findMany({ orderBy: { id: "asc" } });
    expect(after.length).toBeGreaterThan(before);
    expect(after.at(-1)).toMatchObject({ operation: "unwrap", purpose: "user-admin", ownerId: t.orgId });
  });

  it("rotates the master key while serving: data keys re-wrapped, data still readable, sign-in still works", async () => {
    const cli = await createAccess(t.cloud.config, t.cloud.repos, new Date());
    const { masterKeyId, rewrapped } = await rotateMasterKey(t.cloud.config, t.cloud.repos, cli, new Date());
    expect(rewrapped).toBeGreaterThanOrEqual(2);
    const wrapped = await t.cloud.database.db.dataKey.findMany();
    expect(wrapped.every((row) => row.wrapped.startsWith(`v1.${masterKeyId}.`))).toBe(true);
    // The running server had the old ring and cached keys; without them it must load the new master key itself.
    t.cloud.access.dataKeys.clearCache();
    const user = (await t.admin.get(`/api/v1/users/${canaries[2]!.id}`)).json as UserDetail;
    expect(user.name).toBe(canaries[2]!.name);
    await t.login(canaries[0]!.email, canaries[0]!.password);
    expect((await t.admin.get("/api/v1/audit/verify")).json).toMatchObject({ ok: true });
  });

  it("fails closed with a wrong master key: the services do not start", async () => {
    const config = { ...t.cloud.config, masterKey: randomBytes(32).toString("base64") };
    await expect(createAccess(config, t.cloud.repos, new Date())).rejects.toThrow(/cannot be unsealed/);
  });
});
