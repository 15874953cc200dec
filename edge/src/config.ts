import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ClockAnchor, OccupancySettings, parseClockAnchor, SiteId } from "@desksharing/protocol";
import { z } from "zod";

import { DEFAULT_OUTBOX_BOUNDS } from "./uplink/outbox-policy.js";

/** Repository root, resolved from this file so that defaults work from any working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const Port = z.coerce.number().int().min(0).max(65_535);

export const EdgeConfig = z.strictObject({
  /** Databases, generated certificates and credential files. */
  dataDir: z.string().min(1),
  siteId: SiteId,
  siteName: z.string().min(1).max(128),
  /** Floor-plan JSON files, or directories whose `*.json` files are floor plans. */
  planFiles: z.array(z.string().min(1)).min(1),
  occupancy: z.strictObject({
    deskHoldMs: z.coerce.number().pipe(OccupancySettings.shape.deskHoldMs.unwrap()),
    roomHoldMs: z.coerce.number().pipe(OccupancySettings.shape.roomHoldMs.unwrap()),
    heartbeatMisses: z.coerce.number().pipe(OccupancySettings.shape.heartbeatMisses.unwrap()),
    lowBatteryPercent: z.coerce.number().pipe(OccupancySettings.shape.lowBatteryPercent.unwrap()),
  }),
  mqtt: z.strictObject({
    /** External broker (e.g. `mqtt://127.0.0.1:1883`); absent means the embedded broker. */
    url: z.url({ protocol: /^mqtts?$/ }).optional(),
    host: z.string().min(1),
    port: Port,
  }),
  https: z.strictObject({
    host: z.string().min(1),
    port: Port,
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
  }),
  kioskDir: z.string().min(1),
  clockAnchor: ClockAnchor,
  retentionDays: z.coerce.number().positive().max(3650),
  batch: z.strictObject({
    maxRows: z.coerce.number().int().min(1).max(100_000),
    maxMs: z.coerce.number().int().min(1).max(10_000),
  }),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  /** The link to the cloud (`/gateway`); off unless `url` is set. */
  cloud: z.strictObject({
    url: z.url({ protocol: /^https$/ }).optional(),
    /** File holding the gateway credential (`dsk_gateway_…`) an admin created for this site. */
    tokenFile: z.string().min(1).optional(),
    /** PEM of the CA to trust (development: the cloud's DATA_DIR/tls/cert.pem); unset = the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** Readings go up as history besides desk, room and device state. */
    sendReadings: z.stringbool().or(z.boolean()),
    outbox: z.strictObject({
      maxRows: z.coerce.number().int().min(1_000),
      maxBytes: z.coerce.number().int().min(1_000_000),
      maxAgeMs: z.coerce.number().int().min(60_000),
    }),
    /** Back-fill after an outage, events per second (live events are never throttled). */
    historyPerSecond: z.coerce.number().int().min(10),
  }),
});
export type EdgeConfig = z.infer<typeof EdgeConfig>;

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code = "VALIDATION_FAILED";
  constructor(readonly problems: string[]) {
    super(`invalid edge configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

function defaults(env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    dataDir: path.resolve(env.DATA_DIR ?? "./data"),
    siteId: "hq",
    siteName: "Berlin HQ",
    planFiles: [path.join(REPO_ROOT, "floorplans", "hq")],
    occupancy: OccupancySettings.parse({}),
    mqtt: { host: "0.0.0.0", port: 1884 },
    https: { host: "0.0.0.0", port: 8443 },
    kioskDir: path.join(REPO_ROOT, "kiosk", "dist"),
    clockAnchor: { realMs: 0, virtualMs: 0, speed: 1 },
    retentionDays: 30,
    batch: { maxRows: 500, maxMs: 50 },
    logLevel: "info",
    cloud: { sendReadings: true, outbox: DEFAULT_OUTBOX_BOUNDS, historyPerSecond: 5_000 },
  };
}

/** Environment variable → config path. Names follow the schema path. */
const ENV_PATHS: Record<string, string[]> = {
  DESK_EDGE_SITE_ID: ["siteId"],
  DESK_EDGE_SITE_NAME: ["siteName"],
  DESK_EDGE_PLAN_FILES: ["planFiles"],
  DESK_EDGE_DESK_HOLD_MS: ["occupancy", "deskHoldMs"],
  DESK_EDGE_ROOM_HOLD_MS: ["occupancy", "roomHoldMs"],
  DESK_EDGE_HEARTBEAT_MISSES: ["occupancy", "heartbeatMisses"],
  DESK_EDGE_LOW_BATTERY_PERCENT: ["occupancy", "lowBatteryPercent"],
  DESK_EDGE_MQTT_URL: ["mqtt", "url"],
  DESK_EDGE_MQTT_HOST: ["mqtt", "host"],
  DESK_EDGE_MQTT_PORT: ["mqtt", "port"],
  DESK_EDGE_HTTPS_HOST: ["https", "host"],
  DESK_EDGE_HTTPS_PORT: ["https", "port"],
  DESK_EDGE_HTTPS_CERT_FILE: ["https", "certFile"],
  DESK_EDGE_HTTPS_KEY_FILE: ["https", "keyFile"],
  DESK_EDGE_KIOSK_DIR: ["kioskDir"],
  DESK_EDGE_CLOCK_ANCHOR: ["clockAnchor"],
  DESK_EDGE_RETENTION_DAYS: ["retentionDays"],
  DESK_EDGE_BATCH_MAX_ROWS: ["batch", "maxRows"],
  DESK_EDGE_BATCH_MAX_MS: ["batch", "maxMs"],
  DESK_EDGE_LOG_LEVEL: ["logLevel"],
  DESK_EDGE_CLOUD_URL: ["cloud", "url"],
  DESK_EDGE_CLOUD_TOKEN_FILE: ["cloud", "tokenFile"],
  DESK_EDGE_CLOUD_CA_FILE: ["cloud", "caFile"],
  DESK_EDGE_CLOUD_SEND_READINGS: ["cloud", "sendReadings"],
  DESK_EDGE_OUTBOX_MAX_ROWS: ["cloud", "outbox", "maxRows"],
  DESK_EDGE_OUTBOX_MAX_BYTES: ["cloud", "outbox", "maxBytes"],
  DESK_EDGE_OUTBOX_MAX_AGE_MS: ["cloud", "outbox", "maxAgeMs"],
  DESK_EDGE_UPLINK_HISTORY_PER_SECOND: ["cloud", "historyPerSecond"],
};

/** The environment variable that sets a config path, for error messages that say what to change. */
export function envNameOf(configPath: readonly PropertyKey[]): string | undefined {
  const wanted = configPath.join(".");
  return Object.entries(ENV_PATHS).find(([, p]) => p.join(".") === wanted)?.[0];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isRecord(current) && isRecord(value) ? merge(current, value) : value;
  }
  return out;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node[key] = isRecord(next) ? { ...next } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] ?? ""] = value;
}

/**
 * Defaults ← optional JSON file (`file`, else `DESK_EDGE_CONFIG`) ← `DESK_EDGE_*` variables, plus `DATA_DIR`.
 * Throws a ConfigError that lists every problem at once.
 */
export function loadEdgeConfig(env: NodeJS.ProcessEnv = process.env, file?: string): EdgeConfig {
  const problems: string[] = [];
  let raw = defaults(env);
  const configFile = file ?? env.DESK_EDGE_CONFIG;
  if (configFile !== undefined && configFile !== "") {
    try {
      const parsed: unknown = JSON.parse(readFileSync(configFile, "utf8"));
      if (isRecord(parsed)) raw = merge(raw, parsed);
      else problems.push(`${configFile}: must hold a JSON object`);
    } catch (error) {
      problems.push(`${configFile}: ${(error as Error).message}`);
    }
  }
  if (env.DATA_DIR !== undefined && env.DATA_DIR !== "") raw.dataDir = path.resolve(env.DATA_DIR);
  for (const [name, keys] of Object.entries(ENV_PATHS)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (name === "DESK_EDGE_CLOCK_ANCHOR") {
      const anchor = parseClockAnchor(value);
      if (anchor === null)
        problems.push(`${name}: expected "<realMs>:<virtualMs>:<speed>", got ${JSON.stringify(value)}`);
      else setPath(raw, keys, anchor);
    } else if (name === "DESK_EDGE_PLAN_FILES") {
      setPath(
        raw,
        keys,
        value.split(",").map((entry) => path.resolve(entry.trim())),
      );
    } else {
      setPath(raw, keys, value);
    }
  }
  const result = EdgeConfig.safeParse(raw);
  if (result.success && result.data.cloud.url !== undefined && result.data.cloud.tokenFile === undefined) {
    problems.push("cloud.tokenFile (DESK_EDGE_CLOUD_TOKEN_FILE): required when DESK_EDGE_CLOUD_URL is set");
  }
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.join(".") || "(root)";
      const envName = envNameOf(issue.path);
      problems.push(`${where}${envName === undefined ? "" : ` (${envName})`}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
