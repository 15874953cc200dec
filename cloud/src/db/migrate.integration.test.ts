import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { PROVIDERS_UNDER_TEST, testDatabase, type TestDatabase } from "../test-support/databases.js";
import { databaseTarget, openDatabase } from "./database.js";
import { migrationsDir, SNAPSHOT_FILE } from "./migrate.js";
import { loadSchema } from "./schema-source.js";

describe.each(PROVIDERS_UNDER_TEST)("migrations on %s", (provider) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it("creates the schema on an empty database, records it, and applies nothing twice", async () => {
    database = testDatabase(provider);
    const target = databaseTarget(database.url, database.dataDir);
    expect(target.provider).toBe(provider);
    const committed = readdirSync(migrationsDir(provider), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    const first = await openDatabase(target, () => undefined);
    expect(first.applied).toEqual(committed);
    const recorded = await first.db.$queryRawUnsafe<{ migration_name: string; finished_at: unknown }[]>(
      "SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(recorded.map((row) => row.migration_name)).toEqual(committed);
    expect(recorded.every((row) => row.finished_at !== null)).toBe(true);
    const organisation = await first.db.organisation.create({ data: { name: "Kept GmbH" } });
    await first.close();

    const second = await openDatabase(target, () => undefined);
    expect(second.applied).toEqual([]);
    expect(await second.db.organisation.findUnique({ where: { id: organisation.id } })).toMatchObject({
      name: "Kept GmbH",
    });
    await second.close();
  });

  it("opens an up-to-date database without the schema engine, also while a server holds it open", async () => {
    database = testDatabase(provider);
    const target = databaseTarget(database.url, database.dataDir);
    const server = await openDatabase(target, () => undefined);
    try {
      // Serving: on SQLite the connection now has the write-ahead log open, which is what kept the engine waiting.
      const served = await server.db.organisation.create({ data: { name: "Served GmbH" } });
      // The engine logs from its start on, so a silent open is one that never started it.
      const engineLog: string[] = [];
      const cli = await openDatabase(target, (message) => engineLog.push(message));
      try {
        expect(cli.applied).toEqual([]);
        expect(engineLog).toEqual([]);
        expect(await cli.db.organisation.findUnique({ where: { id: served.id } })).toMatchObject(served);
        const organisation = await cli.db.organisation.create({ data: { name: "Beside GmbH" } });
        expect(await server.db.organisation.findUnique({ where: { id: organisation.id } })).toMatchObject({
          name: "Beside GmbH",
        });
      } finally {
        await cli.close();
      }
    } finally {
      await server.close();
    }
  });

  it("leaves an edited or a failed migration to the schema engine", async () => {
    database = testDatabase(provider);
    const target = databaseTarget(database.url, database.dataDir);
    const first = await openDatabase(target, () => undefined);
    await first.db.$executeRawUnsafe(
      `UPDATE _prisma_migrations SET checksum = '${"0".repeat(64)}' WHERE migration_name = '${first.applied[0]}'`,
    );
    await first.close();

    const engineLog: string[] = [];
    const edited = await openDatabase(target, (message) => engineLog.push(message));
    // The engine goes by names, so it applies nothing either; it is the one to decide, though.
    expect(edited.applied).toEqual([]);
    expect(engineLog).not.toEqual([]);
    await edited.db.$executeRawUnsafe(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('failed', '', '29991231000000_failed')",
    );
    await edited.close();

    await expect(openDatabase(target, () => undefined)).rejects.toThrow(/failed migrations/);
  });

  it("has a migration for the current schema (run `npm run migrate:new -w cloud -- <name>` after changing it)", async () => {
    const dir = migrationsDir(provider);
    const latest = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort()
      .at(-1);
    expect(latest).toBeDefined();
    expect(readFileSync(path.join(dir, latest!, SNAPSHOT_FILE), "utf8")).toBe(await loadSchema(provider));
  });
});
