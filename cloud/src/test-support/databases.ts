import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";

import type { Provider } from "../db/providers.js";

/** The machine's PostgreSQL (DESIGN §7); CI provides the same. */
export const TEST_POSTGRES = process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export const PROVIDERS_UNDER_TEST: Provider[] = ["sqlite", "postgresql"];

export interface TestDatabase {
  /** DATABASE_URL for the cloud: a SQLite file, or a fresh schema on the test database. */
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A database nobody else uses: a temporary SQLite file, or a schema `t_<random>` dropped afterwards. */
export function testDatabase(provider: Provider): TestDatabase {
  const dataDir = mkdtempSync(path.join(tmpdir(), "cloud-test-"));
  if (provider === "sqlite") {
    return {
      url: `file:${path.join(dataDir, "cloud.db")}`,
      dataDir,
      drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const url = new URL(TEST_POSTGRES);
  url.searchParams.set("schema", schema);
  return {
    url: url.toString(),
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
