/**
 * Creates a machine credential for one site and prints its secret once (only a hash is stored).
 * Usage: npm run machine:create -w cloud -- --site <site id or key> --kind gateway|kiosk|integration --name <name>
 *        [--scopes <scope,scope>] [--expires-days <n>] [--org <id>]
 */
import { parseArgs } from "node:util";

import { MachineCredentialCreate } from "@desksharing/protocol";

import { fail, organisationId, withCloud } from "./common.js";

const { values } = parseArgs({
  options: {
    site: { type: "string" },
    kind: { type: "string" },
    name: { type: "string" },
    scopes: { type: "string" },
    "expires-days": { type: "string" },
    org: { type: "string" },
  },
});
const days = values["expires-days"] === undefined ? undefined : Number(values["expires-days"]);
if (days !== undefined && !(Number.isInteger(days) && days > 0)) fail("--expires-days must be a positive integer");

await withCloud(async ({ repos, database, access }) => {
  const orgId = await organisationId(repos, database, values.org);
  const site = (await repos.sites.list(orgId)).find((s) => s.id === values.site || s.key === values.site);
  if (!site) fail("--site names no site of the organisation (give its id or key)");
  const input = MachineCredentialCreate.safeParse({
    siteId: site.id,
    kind: values.kind,
    name: values.name,
    ...(values.scopes !== undefined ? { scopes: values.scopes.split(",").filter((s) => s !== "") } : {}),
    ...(days !== undefined ? { expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
  });
  if (!input.success) fail(input.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n"));
  const created = await access.machines.create(orgId, input.data, "system:cli", new Date());
  if (!created.ok)
    fail(`refused: ${created.code}${"notAllowed" in created ? ` (${created.notAllowed.join(", ")})` : ""}`);
  console.log(
    `machine credential ${created.credential.id} (${created.credential.scopes.join(" ")}) for site ${site.key}`,
  );
  console.log(`secret (shown once): ${created.secret}`);
});
