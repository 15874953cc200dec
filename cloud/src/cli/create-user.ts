/**
 * Creates a user and prints the generated password once (only its argon2id hash is stored). With --new-org it first
 * creates the organisation, which is how an installation without the sample seed gets its first admin.
 * Usage: npm run user:create -w cloud -- --email <e-mail> --name <name> [--role admin|facilities|employee]
 *        [--sites <id,id>] [--org <id> | --new-org <name>] [--platform-admin]
 */
import { parseArgs } from "node:util";

import { UserCreate } from "@desksharing/protocol";

import { fail, organisationId, withCloud } from "./common.js";

const { values } = parseArgs({
  options: {
    email: { type: "string" },
    name: { type: "string" },
    role: { type: "string", default: "admin" },
    sites: { type: "string" },
    org: { type: "string" },
    "new-org": { type: "string" },
    "platform-admin": { type: "boolean", default: false },
  },
});
const input = UserCreate.safeParse({
  email: values.email,
  name: values.name,
  role: values.role,
  ...(values.sites !== undefined ? { siteIds: values.sites.split(",").filter((id) => id !== "") } : {}),
});
if (!input.success) fail(input.error.issues.map((issue) => `--${issue.path.join(".")}: ${issue.message}`).join("\n"));

await withCloud(async ({ repos, database, access }) => {
  const orgId =
    values["new-org"] !== undefined
      ? (await repos.organisations.create(values["new-org"])).id
      : await organisationId(repos, database, values.org);
  const created = await access.accounts.createUser(
    orgId,
    { ...input.data, platformAdmin: values["platform-admin"] },
    "system:cli",
    new Date(),
  );
  if (!created.ok) fail(created.code === "email_taken" ? "a user with this e-mail exists already" : "unknown site id");
  console.log(`user ${created.user.id} (${created.user.role}) in organisation ${orgId}`);
  console.log(`initial password (shown once): ${created.initialPassword}`);
});
