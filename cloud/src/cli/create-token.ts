/**
 * Creates an API token and prints it once (only its hash is stored). Until accounts arrive this is how gateways,
 * kiosks and integrations get credentials.
 * Usage: npm run token:create -w cloud -- --name <name> --scopes <scope,scope> [--kind user|machine] [--org <id>]
 */
import { parseArgs } from "node:util";

import { loadCloudConfig } from "../config.js";
import { databaseTarget, openDatabase } from "../db/database.js";
import { createRepositories } from "../db/repositories/index.js";
import { isScope, SCOPES } from "../domain/principal.js";

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    scopes: { type: "string" },
    kind: { type: "string", default: "machine" },
    org: { type: "string" },
  },
});
const scopes = (values.scopes ?? "").split(",").filter((scope) => scope !== "");
const unknown = scopes.filter((scope) => !isScope(scope));
if (values.name === undefined || scopes.length === 0) fail("--name and --scopes are required");
if (unknown.length > 0) fail(`unknown scopes: ${unknown.join(", ")} (known: ${SCOPES.join(", ")})`);
if (values.kind !== "machine" && values.kind !== "user") fail("--kind is user or machine");

const config = loadCloudConfig();
const database = await openDatabase(databaseTarget(config.databaseUrl, config.dataDir), () => undefined);
try {
  const repos = createRepositories(database.db);
  const organisations = await database.db.organisation.findMany({ select: { id: true }, take: 2 });
  const orgId = values.org ?? (organisations.length === 1 ? organisations[0]?.id : undefined);
  if (orgId === undefined || !(await repos.organisations.get(orgId))) {
    fail("name the organisation with --org <id> (there is not exactly one)");
  }
  const { id, token } = await repos.apiTokens.create(orgId, {
    name: values.name,
    kind: values.kind,
    scopes: scopes.filter(isScope),
  });
  console.log(`token ${id} for organisation ${orgId} (shown once):\n${token}`);
} finally {
  await database.close();
}
