/**
 * Lists the machine credentials of the organisation (or of one site), revoked and expired ones included, one per
 * line: id, site key, kind, status, name, scopes, last use. Secrets are never shown; only their hash is stored.
 * Usage: npm run machine:list -w cloud -- [--site <site id or key>] [--org <id>]
 */
import { parseArgs } from "node:util";

import { fail, organisationId, withCloud } from "./common.js";

const { values } = parseArgs({ options: { site: { type: "string" }, org: { type: "string" } } });

await withCloud(async ({ repos, database, access }) => {
  const orgId = await organisationId(repos, database, values.org);
  const sites = await repos.sites.list(orgId);
  const site = values.site === undefined ? undefined : sites.find((s) => s.id === values.site || s.key === values.site);
  if (values.site !== undefined && !site) fail("--site names no site of the organisation (give its id or key)");
  const now = Date.now();
  const credentials = (await access.machines.list(orgId, "system:cli")).filter((c) => !site || c.siteId === site.id);
  for (const credential of credentials) {
    const status =
      credential.revokedAt !== null
        ? `revoked ${credential.revokedAt}`
        : credential.expiresAt !== null && Date.parse(credential.expiresAt) <= now
          ? `expired ${credential.expiresAt}`
          : "active";
    const siteKey = sites.find((s) => s.id === credential.siteId)?.key ?? credential.siteId;
    console.log(
      [
        credential.id,
        siteKey,
        credential.kind,
        status,
        credential.name,
        credential.scopes.join(","),
        `last used ${credential.lastUsedAt ?? "never"}`,
      ].join("\t"),
    );
  }
  console.log(`${credentials.length} machine credential(s)`);
});
