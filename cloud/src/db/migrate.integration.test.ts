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
