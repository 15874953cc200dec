import path from "node:path";

import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

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
 * as `prisma migrate deploy` does, with the WebAssembly schema engine (no binary, no download).
 */
export async function applyMigrations(target: DatabaseTarget, log: (message: string) => void): Promise<string[]> {
  if (target.provider === "postgresql") await ensurePostgresSchema(target);
  const { engine, close } = await openSchemaEngine(await loadSchema(target.provider), adapterFactory(target), log);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await readMigrations(migrationsDir(target.provider)),
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  } finally {
    await close();
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
