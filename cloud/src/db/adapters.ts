import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

import { parsePostgresUrl, quoteIdentifier } from "./pg-url.js";
import type { Provider } from "./providers.js";

export interface DatabaseTarget {
  provider: Provider;
  /** `file:<path>` for SQLite, a postgresql:// URL (optionally with `?schema=`) for PostgreSQL. */
  url: string;
}

export function adapterFactory(target: DatabaseTarget): SqlMigrationAwareDriverAdapterFactory {
  switch (target.provider) {
    case "sqlite":
      return new PrismaBetterSqlite3({ url: target.url, timeout: 5_000 });
    case "postgresql": {
      const { connectionString, schema } = parsePostgresUrl(target.url);
      return new PrismaPg({ connectionString, options: `-c search_path=${quoteIdentifier(schema)}` }, { schema });
    }
  }
}
