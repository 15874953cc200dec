import { randomBytes } from "node:crypto";

import { pino } from "pino";

import type { TokenPair } from "@desksharing/protocol";

import type { AccessOptions } from "../access/index.js";
import { createCloud, type CloudInstance } from "../app.js";
import { DEFAULT_SEED_PLAN_FILES, loadCloudConfig, type CloudConfig } from "../config.js";
import type { Provider } from "../db/providers.js";
import { generateRefreshToken, newFamilyId } from "../identity/refresh-tokens.js";
import { ALL_SCOPES, SCOPES, type Role, type Scope } from "../identity/scopes.js";
import { ApiClient } from "./client.js";
import { testDatabase, type TestDatabase } from "./databases.js";

/** Every scope an organisation's own admin could hold; platform-wide revocation is left out on purpose. */
export const ORG_SCOPES: readonly Scope[] = ALL_SCOPES.filter((scope) => scope !== SCOPES.PLATFORM_ADMIN);

export interface TestUser {
  id: string;
  email: string;
  client: ApiClient;
}

export interface TestCloud {
  cloud: CloudInstance;
  database: TestDatabase;
  /** The seeded first admin, signed in with its generated password (a real login). */
  admin: ApiClient;
  adminEmail: string;
  adminPassword: string;
  orgId: string;
  /** A client with a real session of the seeded admin. */
  login(email: string, password: string): Promise<TokenPair>;
  /**
   * A new user of `orgId` (default: the sample organisation) whose access token carries exactly these scopes,
   * signed by the cloud's own key ring. The user has no usable password, so no argon2 work is spent.
   */
  userWith(
    scopes: readonly Scope[],
    options?: { orgId?: string; siteIds?: string[] | null; role?: Role },
  ): Promise<TestUser>;
  clientWith(scopes: readonly Scope[], orgId?: string): Promise<ApiClient>;
  /** A second, empty organisation with a client holding every organisation scope. */
  newOrganisation(name: string): Promise<{ orgId: string; client: ApiClient }>;
  stop(): Promise<void>;
}

export interface TestCloudOverrides {
  limits?: Partial<CloudConfig["limits"]>;
  liveOrigins?: string[];
  redisUrl?: string;
  masterKey?: string;
  access?: AccessOptions;
}

export async function startTestCloud(provider: Provider, overrides: TestCloudOverrides = {}): Promise<TestCloud> {
  const database = testDatabase(provider);
  const base = loadCloudConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url });
  const config: CloudConfig = {
    ...base,
    https: { host: "127.0.0.1", port: 0 },
    limits: { ...base.limits, ...overrides.limits },
    liveOrigins: overrides.liveOrigins ?? [],
    ...(overrides.redisUrl !== undefined ? { redisUrl: overrides.redisUrl } : {}),
    ...(overrides.masterKey !== undefined ? { masterKey: overrides.masterKey } : {}),
    seed: { enabled: true, planFiles: DEFAULT_SEED_PLAN_FILES, adminEmail: "admin@example.com" },
    logLevel: "silent",
  };
  const cloud = await createCloud(config, pino({ level: "silent" }), overrides.access);
  if (cloud.admin === undefined) throw new Error("a fresh test database was not seeded");
  const { email: adminEmail, password: adminPassword } = cloud.admin;
  const anonymous = new ApiClient(cloud.url, cloud.caCertificate, cloud.routes, null);
  const login = async (email: string, password: string): Promise<TokenPair> => {
    const response = await anonymous.post("/api/v1/auth/login", { email, password });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return response.json as TokenPair;
  };
  const session = await login(adminEmail, adminPassword);
  const admin = anonymous.as(session.accessToken);
  const me = (await admin.get("/api/v1/me")).json as { id: string };
  const orgId = (await cloud.repos.users.byId(me.id))!.orgId;

  const userWith: TestCloud["userWith"] = async (scopes, options = {}) => {
    const userOrg = options.orgId ?? orgId;
    const now = new Date();
    const email = `user-${randomBytes(6).toString("hex")}@example.net`;
    const created = await cloud.access.accounts.createUser(
      userOrg,
      { name: "Test User", email, role: options.role ?? "employee", siteIds: options.siteIds ?? null },
      "test",
      now,
      { passwordHash: "!" },
    );
    if (!created.ok) throw new Error(`cannot create a test user: ${created.code}`);
    const familyId = newFamilyId();
    await cloud.repos.refreshTokens.insert({
      hash: generateRefreshToken().hash,
      familyId,
      userId: created.user.id,
      orgId: userOrg,
      createdAt: now,
      familyCreatedAt: now,
      usedAt: null,
      revokedAt: null,
    });
    const { token } = await cloud.access.signing.issue(
      { sub: created.user.id, orgId: userOrg, scopes, sid: familyId, ver: 0, sites: options.siteIds ?? "*" },
      now,
    );
    return { id: created.user.id, email, client: anonymous.as(token) };
  };

  return {
    cloud,
    database,
    admin,
    adminEmail,
    adminPassword,
    orgId,
    login,
    userWith,
    clientWith: async (scopes, userOrg) => (await userWith(scopes, { orgId: userOrg })).client,
    newOrganisation: async (name) => {
      const organisation = await cloud.repos.organisations.create(name);
      const { client } = await userWith(ORG_SCOPES, { orgId: organisation.id, role: "admin" });
      return { orgId: organisation.id, client };
    },
    stop: async () => {
      await cloud.stop();
      await database.drop();
    },
  };
}
