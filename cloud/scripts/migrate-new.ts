/**
 * Writes a new migration for each provider: the SQL that takes a database from the previous migration's schema to
 * the current prisma/schema.prisma, computed by the WebAssembly schema engine (DESIGN §7). Each migration keeps a
 * copy of the schema it leads to, so the diff is between two schema files and needs no database. (Introspecting a
 * PostgreSQL database through the pg driver adapter fails in this engine version, so a diff against a migrated
 * scratch database is not an option.) The engine still wants a connection: SQLite in memory, and for PostgreSQL
 * DATABASE_URL or the local test database.
 * Usage: npm run migrate:new -w cloud -- <snake_case_name>
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { migrationsDir, SNAPSHOT_FILE } from "../src/db/migrate.js";
import { PROVIDERS, type Provider } from "../src/db/providers.js";
import { adapterFactory } from "../src/db/adapters.js";
import { isPostgresUrl } from "../src/db/pg-url.js";
import { diffSchemas } from "../src/db/schema-engine.js";
import { loadSchema } from "../src/db/schema-source.js";

const name = process.argv[2];
if (name === undefined || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run migrate:new -w cloud -- <snake_case_name>");
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);

async function newMigration(provider: Provider): Promise<void> {
  const schema = await loadSchema(provider);
  const dir = migrationsDir(provider);
  const previous = latestSnapshot(dir);
  const diff = await diffSchemas(adapterFactory({ provider, url: scratchUrl(provider) }), previous, schema);
  // The engine names the connection's schema; a migration must run in whichever schema the deployment uses.
  const sql = diff?.replace(/-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "[^"]*";\n\n/g, "") ?? null;
  if (sql === null) {
    console.log(`${provider}: schema and migrations agree, nothing written`);
    return;
  }
  const out = path.join(dir, `${stamp}_${name}`);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "migration.sql"), sql);
  writeFileSync(path.join(out, SNAPSHOT_FILE), schema);
  writeFileSync(path.join(dir, "migration_lock.toml"), `provider = "${provider}"\n`);
  console.log(`${provider}: wrote ${path.relative(process.cwd(), out)}/migration.sql`);
}

function scratchUrl(provider: Provider): string {
  if (provider === "sqlite") return "file::memory:";
  const url = process.env.DATABASE_URL;
  return url !== undefined && isPostgresUrl(url) ? url : "postgresql://postgres@127.0.0.1:5432/test";
}

function latestSnapshot(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const last = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .at(-1);
  return last === undefined ? null : readFileSync(path.join(dir, last, SNAPSHOT_FILE), "utf8");
}

for (const provider of PROVIDERS) await newMigration(provider);
