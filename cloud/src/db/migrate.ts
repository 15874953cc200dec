import { createHash } from "node:crypto";
import path from "node:path";

import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList } from "@prisma/schema-engine-wasm";

import { adapterFactory, type DatabaseTarget } from "./adapters.js";
import { parsePostgresUrl, quoteIdentifier } from "./pg-url.js";
import { NO_FILTERS, openSchemaEngine, readMigrations } from "./schema-engine.js";
import type { Provider } from "./providers.js";
import { loadSchema } from "./schema-source.js";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "..", "..", "prisma", "migrations");

/** Each migration directory keeps the schema it leads to, for the next `migrate:new` to diff against. */
export const SNAPSHOT_FILE = "schema.prisma";

export function migrationsDir(provider: Provider): string {
  return path.join(MIGRATIONS_DIR, provider);
}

/**
 * Applies the committed migrations that the database has not seen yet and records them in `_prisma_migrations`,
 * as `prisma migrate deploy` does, with the WebAssembly schema engine (no binary, no download). The engine is
 * started only when something may be pending: on SQLite it locks the file exclusively, which it cannot while a
 * server has the database open, so a CLI next to a running server could not even open an up-to-date database.
 */
export async function applyMigrations(target: DatabaseTarget, log: (message: string) => void): Promise<string[]> {
  const migrations = await readMigrations(migrationsDir(target.provider));
  if (await allApplied(target, migrations)) return [];
  if (target.provider === "postgresql") await ensurePostgresSchema(target);
  const { engine, close } = await openSchemaEngine(await loadSchema(target.provider), adapterFactory(target), log);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: migrations, filters: NO_FILTERS });
    return appliedMigrationNames;
  } finally {
    await close();
  }
}

/** Whether the provider's catalogue has `_prisma_migrations` in the schema the adapter works in. */
const MIGRATIONS_TABLE_EXISTS: Record<Provider, string> = {
  sqlite: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
  postgresql:
    "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_prisma_migrations'",
};

/**
 * Whether `_prisma_migrations` records every committed migration as finished and not rolled back, with the
 * checksum the engine records (SHA-256 of migration.sql as read), and no migration failed or under way. Only then
 * would the engine do nothing; anything else (a fresh database, a pending, failed or edited migration, an
 * unreadable file) is left to it, with its errors and locking, as before.
 */
async function allApplied(target: DatabaseTarget, migrations: MigrationList): Promise<boolean> {
  const adapter = await adapterFactory(target).connect();
  try {
    const query = (sql: string) => adapter.queryRaw({ sql, args: [], argTypes: [] });
    if ((await query(MIGRATIONS_TABLE_EXISTS[target.provider])).rows.length === 0) return false;
    const recorded = (
      await query("SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations")
    ).rows.map(([name, checksum, finishedAt, rolledBackAt]) => ({ name, checksum, finishedAt, rolledBackAt }));
    if (recorded.some((row) => row.finishedAt === null && row.rolledBackAt === null)) return false;
    return migrations.migrationDirectories.every(({ path: name, migrationFile: { content } }) => {
      if (content.tag !== "ok") return false;
      const checksum = createHash("sha256").update(content.value).digest("hex");
      return recorded.some(
        (row) => row.name === name && row.checksum === checksum && row.finishedAt !== null && row.rolledBackAt === null,
      );
    });
  } finally {
    await adapter.dispose();
  }
}

/** The engine creates tables in the search_path schema but not the schema itself. */
async function ensurePostgresSchema(target: DatabaseTarget): Promise<void> {
  const { schema } = parsePostgresUrl(target.url);
  const factory: SqlMigrationAwareDriverAdapterFactory = adapterFactory({ ...target, url: withoutSchema(target.url) });
  const adapter = await factory.connect();
  try {
    await adapter.executeScript(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  } finally {
    await adapter.dispose();
  }
}

function withoutSchema(url: string): string {
  return parsePostgresUrl(url).connectionString;
}
