import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { FloorPlan } from "@desksharing/protocol";

import type { Accounts } from "./access/accounts.js";
import type { Repositories } from "./db/repositories/index.js";

export const SAMPLE_ORGANISATION = "Example GmbH";
export const SAMPLE_SITE = {
  key: "hq",
  name: "Berlin HQ",
  address: "Spreeufer 5, 10178 Berlin",
  timeZone: "Europe/Berlin",
};
const SEED_ACTOR = "seed";

export const ADMIN_PASSWORD_FILE = "cloud-admin-password";
export const SEED_ADMIN_NAME = "First Admin";

export class SeedError extends Error {
  override name = "SeedError";
}

async function readPlan(file: string): Promise<FloorPlan> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new SeedError(`seed plan ${file}: ${(error as Error).message}`);
  }
  const parsed = FloorPlan.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new SeedError(`seed plan ${file} is invalid:\n  ${issues.join("\n  ")}`);
  }
  return parsed.data;
}

export interface SeedResult {
  orgId: string;
  adminEmail: string;
  adminPassword: string;
  passwordFile: string;
}

/**
 * On an empty database: the sample organisation, its Berlin site, the sample floors imported and published, and the
 * first admin (a platform operator too) with a generated password, written to dataDir/cloud-admin-password (mode
 * 0600) because it is shown only once. There is no default password.
 */
export async function seedIfEmpty(
  repos: Repositories,
  accounts: Accounts,
  options: { planFiles: readonly string[]; dataDir: string; adminEmail: string; now: Date },
): Promise<SeedResult | null> {
  if ((await repos.organisations.count()) > 0) return null;
  const plans = await Promise.all(options.planFiles.map(readPlan));
  const foreign = plans.find((plan) => plan.siteId !== SAMPLE_SITE.key);
  if (foreign) throw new SeedError(`seed plan for floor '${foreign.floorId}' names site '${foreign.siteId}', not 'hq'`);
  const organisation = await repos.organisations.create(SAMPLE_ORGANISATION);
  const site = await repos.sites.create(organisation.id, SAMPLE_SITE);
  if (!site.ok) throw new SeedError("the sample site exists already");
  for (const plan of plans) {
    const imported = await repos.floorPlans.importDraft(organisation.id, site.value.id, plan, SEED_ACTOR);
    if (!imported) throw new SeedError("the sample site vanished while seeding");
    await repos.floorPlans.publish(
      organisation.id,
      imported.floor.id,
      imported.version.version,
      SEED_ACTOR,
      options.now,
    );
  }
  const admin = await accounts.createUser(
    organisation.id,
    { name: SEED_ADMIN_NAME, email: options.adminEmail, role: "admin", platformAdmin: true },
    SEED_ACTOR,
    options.now,
  );
  if (!admin.ok) throw new SeedError(`the first admin cannot be created (${admin.code})`);
  const passwordFile = path.join(options.dataDir, ADMIN_PASSWORD_FILE);
  await writeFile(passwordFile, `${admin.initialPassword}\n`, { mode: 0o600 });
  return { orgId: organisation.id, adminEmail: options.adminEmail, adminPassword: admin.initialPassword, passwordFile };
}
