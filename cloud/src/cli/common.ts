import { pino } from "pino";

import { createAccess, type Access } from "../access/index.js";
import { loadCloudConfig, type CloudConfig } from "../config.js";
import { databaseTarget, openDatabase, type Database } from "../db/database.js";
import { createRepositories, type Repositories } from "../db/repositories/index.js";

export function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

export interface CliContext {
  config: CloudConfig;
  database: Database;
  repos: Repositories;
  access: Access;
}

/** Opens the configured database (migrating it) with the same services the server uses, runs `task`, closes. */
export async function withCloud<T>(task: (context: CliContext) => Promise<T>): Promise<T> {
  const config = loadCloudConfig();
  const database = await openDatabase(databaseTarget(config.databaseUrl, config.dataDir), () => undefined);
  try {
    const repos = createRepositories(database.db);
    const access = await createAccess(config, repos, new Date(), pino({ level: "warn" }));
    return await task({ config, database, repos, access });
  } finally {
    await database.close();
  }
}

/** `--org <id>`, or the only organisation there is. */
export async function organisationId(
  repos: Repositories,
  database: Database,
  named: string | undefined,
): Promise<string> {
  const organisations = await database.db.organisation.findMany({ select: { id: true }, take: 2 });
  const orgId = named ?? (organisations.length === 1 ? organisations[0]?.id : undefined);
  if (orgId === undefined || !(await repos.organisations.get(orgId))) {
    fail("name the organisation with --org <id> (there is not exactly one)");
  }
  return orgId;
}
