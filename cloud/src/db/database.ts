import { mkdir } from "node:fs/promises";
import path from "node:path";

import { adapterFactory, type DatabaseTarget } from "./adapters.js";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.js";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.js";
import { applyMigrations } from "./migrate.js";
import { isPostgresUrl } from "./pg-url.js";

/**
 * The two generated clients come from one data model and differ only in their provider, so the SQLite client's
 * type stands for both.
 */
export type Db = InstanceType<typeof SqliteClient>;
export type { Prisma } from "./generated/sqlite/client.js";

export interface Database {
  db: Db;
  target: DatabaseTarget;
  /** Applied at open; the names of the migrations this open applied. */
  applied: string[];
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** DATABASE_URL when it names PostgreSQL (or a file: path), else the SQLite file in the data directory. */
export function databaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  if (databaseUrl !== undefined && isPostgresUrl(databaseUrl)) return { provider: "postgresql", url: databaseUrl };
  return { provider: "sqlite", url: databaseUrl ?? `file:${path.join(dataDir, "cloud.db")}` };
}

export async function openDatabase(target: DatabaseTarget, log: (message: string) => void): Promise<Database> {
  if (target.provider === "sqlite") await mkdir(path.dirname(target.url.replace(/^file:/, "")), { recursive: true });
  const applied = await applyMigrations(target, log);
  const adapter = adapterFactory(target);
  const db =
    target.provider === "sqlite" ? new SqliteClient({ adapter }) : (new PostgresClient({ adapter }) as unknown as Db);
  await db.$connect();
  if (target.provider === "sqlite") {
    // Readers (the API) need not wait for a writer (a publish) to finish.
    await db.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    // Deleted and overwritten rows (old ciphertexts, revoked tokens) are zeroed, not left in free pages.
    await db.$queryRawUnsafe("PRAGMA secure_delete = ON");
  }
  return {
    db,
    target,
    applied,
    ping: async () => {
      await db.$queryRawUnsafe("SELECT 1");
    },
    close: () => db.$disconnect(),
  };
}
