import { pino } from "pino";

import { createCloud, type CloudInstance } from "../app.js";
import { DEFAULT_SEED_PLAN_FILES, loadCloudConfig, type CloudConfig } from "../config.js";
import type { Provider } from "../db/providers.js";
import { SCOPES, type Scope } from "../domain/principal.js";
import { ApiClient } from "./client.js";
import { testDatabase, type TestDatabase } from "./databases.js";

export interface TestCloud {
  cloud: CloudInstance;
  database: TestDatabase;
  /** Client with the seeded admin token of the sample organisation. */
  admin: ApiClient;
  orgId: string;
  /** A client for a fresh token of `orgId` (default: the sample organisation) with exactly these scopes. */
  clientWith(scopes: readonly Scope[], orgId?: string): Promise<ApiClient>;
  /** A second, empty organisation with an all-scopes client. */
  newOrganisation(name: string): Promise<{ orgId: string; client: ApiClient }>;
  stop(): Promise<void>;
}

export async function startTestCloud(
  provider: Provider,
  overrides: { limits?: Partial<CloudConfig["limits"]>; liveOrigins?: string[]; redisUrl?: string } = {},
): Promise<TestCloud> {
  const database = testDatabase(provider);
  const base = loadCloudConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url });
  const config: CloudConfig = {
    ...base,
    https: { host: "127.0.0.1", port: 0 },
    limits: { ...base.limits, ...overrides.limits },
    liveOrigins: overrides.liveOrigins ?? [],
    ...(overrides.redisUrl !== undefined ? { redisUrl: overrides.redisUrl } : {}),
    seed: { enabled: true, planFiles: DEFAULT_SEED_PLAN_FILES },
    logLevel: "silent",
  };
  const cloud = await createCloud(config, pino({ level: "silent" }));
  const adminToken = cloud.adminToken;
  if (adminToken === undefined) throw new Error("a fresh test database was not seeded");
  const admin = new ApiClient(cloud.url, cloud.caCertificate, cloud.routes, adminToken);
  const principal = await cloud.repos.apiTokens.principalFor(adminToken, new Date());
  if (!principal) throw new Error("the seeded admin token does not authenticate");
  const clientWith = async (scopes: readonly Scope[], orgId = principal.orgId): Promise<ApiClient> => {
    const { token } = await cloud.repos.apiTokens.create(orgId, { name: "test", kind: "user", scopes });
    return admin.as(token);
  };
  return {
    cloud,
    database,
    admin,
    orgId: principal.orgId,
    clientWith,
    newOrganisation: async (name) => {
      const organisation = await cloud.repos.organisations.create(name);
      return { orgId: organisation.id, client: await clientWith(SCOPES, organisation.id) };
    },
    stop: async () => {
      await cloud.stop();
      await database.drop();
    },
  };
}
