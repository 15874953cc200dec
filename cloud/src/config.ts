import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ClockAnchor, parseClockAnchor } from "@desksharing/protocol";
import { z } from "zod";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The sample office, read as JSON files (apps never import each other, so not through the floorplans package). */
export const DEFAULT_SEED_PLAN_FILES = ["floor-1.json", "floor-2.json"].map((file) =>
  path.join(REPO_ROOT, "floorplans", "hq", file),
);

const MB = 1024 * 1024;

const CloudConfigSchema = z.strictObject({
  /** Databases, generated certificates and the first admin token live here. */
  dataDir: z.string().min(1),
  https: z.strictObject({
    host: z.string().min(1),
    /** 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65_535),
    /** Production certificate and key (PEM); both or neither. Without them a self-signed one is made in dataDir/tls. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
  }),
  /** postgresql://… selects PostgreSQL; absent: the SQLite file dataDir/cloud.db. */
  databaseUrl: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|file:)/, "must be a postgresql:// URL or a file: path")
    .optional(),
  /** Shared by several instances for socket.io rooms (redis:// or rediss://); absent: one instance. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Browser origins allowed on the /live namespace, besides the server's own. */
  liveOrigins: z.array(z.url()).default([]),
  limits: z.strictObject({
    jsonBytes: z.number().int().positive(),
    floorPlanBytes: z.number().int().positive(),
    imageBytes: z.number().int().positive(),
  }),
  seed: z.strictObject({
    /** On first start (no organisation yet) create the sample organisation, its site, floors and first admin. */
    enabled: z.boolean(),
    planFiles: z.array(z.string().min(1)),
    /** The first admin's e-mail address (sign-in name); the password is generated and shown once. */
    adminEmail: z.email(),
  }),
  /**
   * Master keys (base64, 32 bytes, newest first, comma-separated) from a secret manager; absent: the key file
   * DATA_DIR/master.key, created on first start. Several instances must share it.
   */
  masterKey: z.string().min(1).optional(),
  auth: z.strictObject({
    issuer: z.string().min(1),
    audience: z.string().min(1),
    /** Access-token lifetime; about 10 minutes. */
    accessTokenSeconds: z.number().int().min(30).max(900),
    /** A session unused this long ends (refresh refused). */
    sessionIdleMinutes: z.number().int().positive(),
    /** A session ends this long after sign-in, however active. */
    sessionMaxHours: z
      .number()
      .int()
      .positive()
      .max(24 * 30),
    /** The signing key is rotated at start-up once it is this old. */
    signingKeyRotationDays: z.number().int().positive(),
  }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  /**
   * The sites' clock when it runs faster than real time (the `npm start` demo: `realMs:virtualMs:speed`, the edge's
   * DESK_EDGE_CLOCK_ANCHOR). Only occupancy event times are judged by it; tokens and sessions keep real time.
   */
  clockAnchor: ClockAnchor.optional(),
});

export type CloudConfig = z.infer<typeof CloudConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid cloud configuration:\n  ${problems.join("\n  ")}`);
  }
}

function defaults(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    dataDir: path.resolve(env.DATA_DIR ?? "./data"),
    https: { host: "0.0.0.0", port: 9443 },
    liveOrigins: [],
    limits: { jsonBytes: 1 * MB, floorPlanBytes: 5 * MB, imageBytes: 2 * MB },
    seed: { enabled: true, planFiles: DEFAULT_SEED_PLAN_FILES, adminEmail: "admin@example.com" },
    auth: {
      issuer: "urn:desksharing:cloud",
      audience: "urn:desksharing:api",
      accessTokenSeconds: 600,
      sessionIdleMinutes: 60,
      sessionMaxHours: 24,
      signingKeyRotationDays: 30,
    },
    logLevel: "info",
  };
}

const list = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** `DESK_CLOUD_*` variables, named after their path in the configuration. */
function fromEnv(env: NodeJS.ProcessEnv, problems: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const https: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  const seed: Record<string, unknown> = {};
  const auth: Record<string, unknown> = {};
  const int = (name: string): number | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    const value = Number(text);
    if (Number.isInteger(value)) return value;
    problems.push(`${name}: must be an integer, got '${text}'`);
    return undefined;
  };
  const bool = (name: string): boolean | undefined => {
    const text = env[name];
    if (text === undefined || text === "") return undefined;
    if (text !== "true" && text !== "false") problems.push(`${name}: must be true or false, got '${text}'`);
    return text === "true";
  };
  if (env.DATA_DIR) out.dataDir = path.resolve(env.DATA_DIR);
  if (env.DATABASE_URL) out.databaseUrl = env.DATABASE_URL;
  if (env.DESK_CLOUD_REDIS_URL) out.redisUrl = env.DESK_CLOUD_REDIS_URL;
  if (env.DESK_CLOUD_HTTPS_HOST) https.host = env.DESK_CLOUD_HTTPS_HOST;
  const port = int("DESK_CLOUD_HTTPS_PORT");
  if (port !== undefined) https.port = port;
  if (env.DESK_CLOUD_HTTPS_CERT_FILE) https.certFile = env.DESK_CLOUD_HTTPS_CERT_FILE;
  if (env.DESK_CLOUD_HTTPS_KEY_FILE) https.keyFile = env.DESK_CLOUD_HTTPS_KEY_FILE;
  if (env.DESK_CLOUD_LIVE_ORIGINS !== undefined) out.liveOrigins = list(env.DESK_CLOUD_LIVE_ORIGINS);
  const jsonBytes = int("DESK_CLOUD_LIMITS_JSON_BYTES");
  if (jsonBytes !== undefined) limits.jsonBytes = jsonBytes;
  const floorPlanBytes = int("DESK_CLOUD_LIMITS_FLOOR_PLAN_BYTES");
  if (floorPlanBytes !== undefined) limits.floorPlanBytes = floorPlanBytes;
  const imageBytes = int("DESK_CLOUD_LIMITS_IMAGE_BYTES");
  if (imageBytes !== undefined) limits.imageBytes = imageBytes;
  const seedEnabled = bool("DESK_CLOUD_SEED_ENABLED");
  if (seedEnabled !== undefined) seed.enabled = seedEnabled;
  if (env.DESK_CLOUD_SEED_PLAN_FILES !== undefined) seed.planFiles = list(env.DESK_CLOUD_SEED_PLAN_FILES);
  if (env.DESK_CLOUD_SEED_ADMIN_EMAIL) seed.adminEmail = env.DESK_CLOUD_SEED_ADMIN_EMAIL;
  if (env.DESK_CLOUD_MASTER_KEY) out.masterKey = env.DESK_CLOUD_MASTER_KEY;
  if (env.DESK_CLOUD_AUTH_ISSUER) auth.issuer = env.DESK_CLOUD_AUTH_ISSUER;
  if (env.DESK_CLOUD_AUTH_AUDIENCE) auth.audience = env.DESK_CLOUD_AUTH_AUDIENCE;
  const authInts = [
    ["DESK_CLOUD_AUTH_ACCESS_TOKEN_SECONDS", "accessTokenSeconds"],
    ["DESK_CLOUD_AUTH_SESSION_IDLE_MINUTES", "sessionIdleMinutes"],
    ["DESK_CLOUD_AUTH_SESSION_MAX_HOURS", "sessionMaxHours"],
    ["DESK_CLOUD_AUTH_SIGNING_KEY_ROTATION_DAYS", "signingKeyRotationDays"],
  ] as const;
  for (const [name, key] of authInts) {
    const value = int(name);
    if (value !== undefined) auth[key] = value;
  }
  if (env.DESK_CLOUD_LOG_LEVEL) out.logLevel = env.DESK_CLOUD_LOG_LEVEL;
  if (env.DESK_CLOUD_CLOCK_ANCHOR) {
    const anchor = parseClockAnchor(env.DESK_CLOUD_CLOCK_ANCHOR);
    if (anchor === null) problems.push(`DESK_CLOUD_CLOCK_ANCHOR: expected "<realMs>:<virtualMs>:<speed>"`);
    else out.clockAnchor = anchor;
  }
  if (Object.keys(https).length > 0) out.https = https;
  if (Object.keys(limits).length > 0) out.limits = limits;
  if (Object.keys(seed).length > 0) out.seed = seed;
  if (Object.keys(auth).length > 0) out.auth = auth;
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? merge(current, value) : value;
  }
  return out;
}

function fromFile(file: string | undefined, problems: string[]): Record<string, unknown> {
  if (file === undefined || file === "") return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (isRecord(parsed)) return parsed;
    problems.push(`DESK_CLOUD_CONFIG_FILE: ${file} must hold a JSON object`);
  } catch (error) {
    problems.push(`DESK_CLOUD_CONFIG_FILE: cannot read ${file}: ${(error as Error).message}`);
  }
  return {};
}

/**
 * Defaults ← optional JSON file (DESK_CLOUD_CONFIG_FILE) ← environment. Throws a ConfigError listing every problem.
 */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const problems: string[] = [];
  const raw = merge(merge(defaults(env), fromFile(env.DESK_CLOUD_CONFIG_FILE, problems)), fromEnv(env, problems));
  const result = CloudConfigSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`));
  }
  if (result.success && (result.data.https.certFile === undefined) !== (result.data.https.keyFile === undefined)) {
    problems.push("https: certFile and keyFile (DESK_CLOUD_HTTPS_CERT_FILE, DESK_CLOUD_HTTPS_KEY_FILE) go together");
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return Object.freeze(result.data);
}
