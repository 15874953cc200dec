import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { FleetCredentials, FloorPlanInput } from "@desksharing/protocol";
import {
  deviceStateTopic,
  deviceStatusTopic,
  FloorPlan,
  KIOSK_NAMESPACE,
  PROTOCOL_VERSION,
} from "@desksharing/protocol";
import type {
  KioskClientToServerEvents,
  KioskDelta,
  KioskServerToClientEvents,
  KioskSnapshot,
} from "@desksharing/protocol";
import Database from "better-sqlite3";
import type { MqttClient } from "mqtt";
import mqtt from "mqtt";
import { pino } from "pino";
import type { Socket } from "socket.io-client";
import { io } from "socket.io-client";

import type { EdgeHandle } from "../app.js";
import { startEdge } from "../app.js";
import type { EdgeConfig } from "../config.js";
import { loadEdgeConfig } from "../config.js";
import { credentialPaths, edgeDatabasePath } from "../provision.js";

/** Test support for the edge's own integration tests: a small site, real edge, plain MQTT clients. */

export function uniqueSiteId(prefix = "t"): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function smallPlan(siteId: string, desks = 3): FloorPlan {
  const plan: FloorPlanInput = {
    schemaVersion: 1,
    siteId,
    floorId: "f1",
    name: "Test floor",
    level: 1,
    width: 5000,
    height: 2000,
    rooms: [{ id: "r-1", label: "Room 1", capacity: 6, x: 4000, y: 0, width: 800, height: 600, sensorIds: ["cnt-1"] }],
    desks: Array.from({ length: desks }, (_, i) => ({
      id: `d-${i + 1}`,
      label: `A-${i + 1}`,
      x: 100 + i * 200,
      y: 100,
      width: 160,
      height: 80,
      sensorIds: [`pir-${i + 1}`],
    })),
  };
  return FloorPlan.parse(plan);
}

export interface TestSite {
  siteId: string;
  dataDir: string;
  planFile: string;
  env: NodeJS.ProcessEnv;
}

export function createSite(options: { siteId?: string; desks?: number; env?: NodeJS.ProcessEnv } = {}): TestSite {
  const siteId = options.siteId ?? uniqueSiteId();
  const dataDir = mkdtempSync(path.join(tmpdir(), "edge-it-"));
  const planFile = path.join(dataDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(smallPlan(siteId, options.desks)));
  return {
    siteId,
    dataDir,
    planFile,
    env: {
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: siteId,
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_HTTPS_PORT: "0",
      DESK_EDGE_HTTPS_HOST: "127.0.0.1",
      DESK_EDGE_MQTT_PORT: "0",
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_LOG_LEVEL: "silent",
      ...options.env,
    },
  };
}

export function siteConfig(site: TestSite): EdgeConfig {
  return loadEdgeConfig(site.env);
}

export async function startSite(site: TestSite): Promise<EdgeHandle> {
  return startEdge(siteConfig(site), pino({ level: "silent" }));
}

export function fleetOf(site: TestSite): FleetCredentials {
  return JSON.parse(readFileSync(credentialPaths(site.dataDir).fleet, "utf8")) as FleetCredentials;
}

export function kioskTokenOf(site: TestSite): string {
  return (JSON.parse(readFileSync(credentialPaths(site.dataDir).kiosk, "utf8")) as { token: string }).token;
}

export function openDb(site: TestSite): Database.Database {
  return new Database(edgeDatabasePath(site.dataDir), { readonly: true, fileMustExist: true });
}

export function query<T>(site: TestSite, sql: string, ...params: unknown[]): T[] {
  const db = openDb(site);
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function deadLetterReasons(site: TestSite): string[] {
  return query<{ reason: string }>(site, "SELECT reason FROM dead_letters ORDER BY id").map((row) => row.reason);
}

export function deskStatus(site: TestSite, deskId: string): string | undefined {
  return query<{ status: string }>(site, "SELECT status FROM targets WHERE kind = 'desk' AND target_id = ?", deskId)[0]
    ?.status;
}

export interface TestDevice {
  id: string;
  client: MqttClient;
  boot: string;
  seq: number;
  reading(change?: Record<string, unknown>): Record<string, unknown>;
  publishReading(change?: Record<string, unknown>): Promise<void>;
  publishRaw(topic: string, payload: string | Buffer): Promise<void>;
  stateTopic: string;
  statusTopic: string;
}

/** A device as a plain MQTT client: its own login (embedded broker), Last Will `offline`, birth `online`. */
export async function connectDevice(
  url: string,
  siteId: string,
  deviceId: string,
  password: string | undefined,
  options: { now?: () => number; kind?: "desk" | "room"; boot?: string } = {},
): Promise<TestDevice> {
  const now = options.now ?? Date.now;
  const boot = options.boot ?? `b${Math.floor(Math.random() * 1e9).toString(36)}`;
  const statusTopic = deviceStatusTopic(siteId, deviceId);
  const stateTopic = deviceStateTopic(siteId, deviceId);
  const client = await mqtt.connectAsync(url, {
    clientId: deviceId,
    ...(password === undefined ? {} : { username: deviceId, password }),
    reconnectPeriod: 0,
    will: {
      topic: statusTopic,
      payload: Buffer.from(JSON.stringify({ state: "offline", boot, fw: "1.0.0", ts: now() })),
      qos: 1,
      retain: true,
    },
  });
  await client.publishAsync(statusTopic, JSON.stringify({ state: "online", boot, fw: "1.0.0", ts: now() }), {
    qos: 1,
    retain: true,
  });
  const device: TestDevice = {
    id: deviceId,
    client,
    boot,
    seq: 0,
    stateTopic,
    statusTopic,
    reading(change = {}) {
      device.seq += 1;
      const base =
        (options.kind ?? "desk") === "desk"
          ? { v: 1, ts: now(), seq: device.seq, boot, kind: "desk", occupied: true, battery: 80 }
          : { v: 1, ts: now(), seq: device.seq, boot, kind: "room", count: 1, battery: 80 };
      return { ...base, ...change };
    },
    async publishReading(change = {}) {
      await client.publishAsync(stateTopic, JSON.stringify(device.reading(change)), { qos: 1 });
    },
    async publishRaw(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
  };
  return device;
}

export type KioskSocket = Socket<KioskServerToClientEvents, KioskClientToServerEvents>;

export interface KioskProbe {
  socket: KioskSocket;
  snapshot: Promise<KioskSnapshot>;
  deltas: KioskDelta[];
}

export function connectKiosk(httpsUrl: string, auth: unknown): KioskProbe {
  const socket: KioskSocket = io(`${httpsUrl}${KIOSK_NAMESPACE}`, {
    auth: auth as Record<string, unknown>,
    rejectUnauthorized: false,
    transports: ["websocket"],
    reconnection: false,
  });
  const deltas: KioskDelta[] = [];
  socket.on("floor:delta", (delta) => deltas.push(delta));
  const snapshot = new Promise<KioskSnapshot>((resolve) => socket.once("floor:snapshot", resolve));
  return { socket, snapshot, deltas };
}

export function kioskAuth(token: string): { token: string; protocolVersion: number } {
  return { token, protocolVersion: PROTOCOL_VERSION };
}

/** Resolves with the connect_error's data (or rejects if the socket connects instead). */
export function connectError(socket: KioskSocket): Promise<{ code?: string } | undefined> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("kiosk connected although it should have been refused")));
    socket.once("connect_error", (error) => resolve((error as Error & { data?: { code?: string } }).data));
  });
}

/** GET over HTTPS accepting the edge's self-signed development certificate. */
export function httpsGet(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once("error", reject);
    req.end();
  });
}
