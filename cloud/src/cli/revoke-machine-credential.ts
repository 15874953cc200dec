/**
 * Revokes one machine credential (find its id with machine:list): every later request and socket handshake with
 * its secret is refused. A running server is not told, though: a socket connected already stays up until it
 * reconnects, and the site's gateways keep a revoked kiosk credential until they next fetch their downlink. On a
 * running installation DELETE /api/v1/machine-credentials/:id does both at once; this works with it up or down.
 * Usage: npm run machine:revoke -w cloud -- --id <credential id> [--org <id>]
 */
import { parseArgs } from "node:util";

import { Id } from "@desksharing/protocol";

import { fail, organisationId, withCloud } from "./common.js";

const { values } = parseArgs({ options: { id: { type: "string" }, org: { type: "string" } } });
const id = Id.safeParse(values.id);
if (!id.success) fail(`--id: ${id.error.issues[0]?.message ?? "invalid"} (the credential's id, see machine:list)`);

await withCloud(async ({ repos, database, access }) => {
  const orgId = await organisationId(repos, database, values.org);
  const revoked = await access.machines.revoke(orgId, id.data, "system:cli", new Date());
  if (!revoked.ok) fail("--id names no machine credential of the organisation");
  const { credential } = revoked;
  console.log(`revoked machine credential ${credential.id} (${credential.kind} "${credential.name}")`);
});
