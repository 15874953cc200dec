/**
 * Mock fleet → broker → edge → SQLite, against the embedded broker and the machine's Mosquitto: every fault the
 * fleet can inject, and gateway restarts (graceful, and `kill -9` of a child process) in the middle of a run.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import type { EdgeHandle } from "@desksharing/edge";
import { edgeDatabasePath, loadEdgeConfig, provisionSite, startEdge } from "@desksharing/edge";
import type { Fleet, MockDevice } from "@desksharing/firmware-mocks";
import { startFleet } from "@desksharing/firmware-mocks";
import { generateFloorPlan } from "@desksharing/floorplans";
import type { DeviceReading, FleetCredentials } from "@desksharing/protocol";
import Database from "better-sqlite3";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MOSQUITTO = "mqtt://127.0.0.1:1883";
const quiet = pino({ level: "silent" });

interface Site {
  siteId: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

function site(desks: number, extraEnv: NodeJS.ProcessEnv = {}): Site {
  const siteId = `x-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dataDir = mkdtempSync(join(tmpdir(), "edge-fleet-"));
  const planFile = join(dataDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(generateFloorPlan({ desks, siteId, floorId: "f1", seed: 3 })));
  return {
    siteId,
    dataDir,
    env: {
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: siteId,
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_HTTPS_PORT: "0",
      DESK_EDGE_HTTPS_HOST: "127.0.0.1",
      DESK_EDGE_MQTT_PORT: "0",
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_LOG_LEVEL: "silent",
      ...extraEnv,
    },
  };
}

function rows<T>(s: Site, sql: string): T[] {
  const db = new Database(edgeDatabasePath(s.dataDir), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function storedKeys(s: Site): string[] {
  return rows<{ k: string }>(s, "SELECT device_id || '/' || boot || '/' || seq AS k FROM readings").map((r) => r.k);
}

function key(reading: DeviceReading, deviceId: string): string {
  return `${deviceId}/${reading.boot}/${reading.seq}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const port = (server.address() as AddressInfo).port;
  await new Promise((done) => server.close(done));
  return port;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function inProcessEdge(s: Site): Promise<EdgeHandle> {
  const edge = await startEdge(loadEdgeConfig(s.env), quiet);
  cleanups.push(() => edge.stop());
  return edge;
}

async function fleetFor(brokerUrl: string, credentials: FleetCredentials): Promise<Fleet> {
  const fleet = await startFleet({
    brokerUrl,
    credentials,
    simulate: false,
    seed: 7,
    logger: quiet,
    reconnectDelayMs: { min: 100, max: 500 },
  });
  cleanups.push(() => fleet.stop());
  return fleet;
}

/**
 * Every device publishes readings one after the other until stopped; returns the acknowledged ones. A publish cut
 * off by a crash of the broker may never be acknowledged: `stop` does not wait for those.
 */
function publishLoop(fleet: Fleet, pauseMs = 0): { stop(): string[]; acknowledged(): number } {
  const acked: string[] = [];
  let running = true;
  const loop = async (device: MockDevice, index: number): Promise<void> => {
    let occupied = index % 2 === 0;
    while (running) {
      occupied = !occupied;
      const values = device.profile === "room-counter" ? { count: occupied ? 2 : 0 } : { occupied };
      const reading = await device.publishReading(values);
      if (running) acked.push(key(reading, device.deviceId));
      if (pauseMs > 0) await new Promise((next) => setTimeout(next, pauseMs));
    }
  };
  // a publish cut off when the fleet stops was never acknowledged, so it does not count
  [...fleet.devices.values()].forEach((device, index) => void loop(device, index).catch(() => undefined));
  return {
    acknowledged: () => acked.length,
    stop() {
      running = false;
      return [...acked];
    },
  };
}

async function startChildEdge(s: Site, mqttPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "edge/src/main.ts")], {
    cwd: root,
    env: { ...process.env, ...s.env, DESK_EDGE_MQTT_PORT: String(mqttPort), DESK_EDGE_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  await new Promise<void>((ready, fail) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.includes('"edge ready"')) ready();
    });
    child.once("exit", (code) => fail(new Error(`edge exited with ${code}`)));
  });
  return child;
}

describe.each([
  ["the embedded broker", undefined],
  ["Mosquitto", MOSQUITTO],
])("mock fleet → %s → edge → SQLite", (_name, externalUrl) => {
  it("dead-letters every injected fault, keeps each reading once and changes no state by garbage", async () => {
    const s = site(8, externalUrl === undefined ? {} : { DESK_EDGE_MQTT_URL: externalUrl });
    const edge = await inProcessEdge(s);
    const fleet = await fleetFor(edge.mqttUrl, readFleet(s));
    const desks = [...fleet.devices.values()].filter((d) => d.profile !== "room-counter");
    const [first, second] = desks;
    if (first === undefined || second === undefined) throw new Error("plan has too few desks");
    const acked: string[] = [];
    for (const device of fleet.devices.values()) {
      const values = device.profile === "room-counter" ? { count: 1 } : { occupied: device === first };
      acked.push(key(await device.publishReading(values), device.deviceId));
    }
    // behind Mosquitto the devices' acknowledgement comes from the broker: wait for the edge to commit them
    await expect.poll(() => acked.filter((k) => !storedKeys(s).includes(k)), { timeout: 10_000 }).toEqual([]);
    const before = rows(s, "SELECT target_id, status FROM targets ORDER BY target_id");

    for (const fault of ["duplicate", "clock-skew", "malformed", "oversized", "foreign-topic"] as const) {
      await fleet.inject(fault, first.deviceId);
    }
    await fleet.inject("reorder", first.deviceId);
    acked.push(key(await first.publishReading({ occupied: true }), first.deviceId));

    const reasons = (): string[] =>
      rows<{ reason: string }>(s, "SELECT DISTINCT reason FROM dead_letters").map((r) => r.reason);
    await expect
      .poll(() => reasons().sort(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(["clock_skew", "duplicate", "foreign_topic", "oversized"]));
    expect(reasons().some((r) => r === "bad_json" || r === "schema")).toBe(true);
    const stored = storedKeys(s);
    expect(new Set(stored).size).toBe(stored.length);
    for (const k of acked) expect(stored).toContain(k);
    await expect
      .poll(() => rows(s, "SELECT target_id, status FROM targets ORDER BY target_id"), { timeout: 5000 })
      .toEqual(before);

    await fleet.inject("reboot", second.deviceId);
    acked.push(key(await second.publishReading({ occupied: true }), second.deviceId));
    const target = readFleet(s).devices.find((d) => d.deviceId === second.deviceId)?.targetId;
    await expect
      .poll(
        () =>
          rows<{ target_id: string; status: string }>(s, "SELECT target_id, status FROM targets").find(
            (r) => r.target_id === target,
          )?.status,
      )
      .toBe("occupied");
    const stored2 = storedKeys(s);
    for (const k of acked) expect(stored2).toContain(k);
  });
});

function readFleet(s: Site): FleetCredentials {
  // written by the edge's provisioning at start
  return JSON.parse(readFileSync(join(s.dataDir, "fleet-credentials.json"), "utf8")) as FleetCredentials;
}

describe("gateway restarts in the middle of a run", () => {
  it("kill -9 of the edge (embedded broker) loses nothing acknowledged and duplicates nothing", async () => {
    const s = site(20);
    await provisionSite({
      dataDir: s.dataDir,
      siteId: s.siteId,
      plans: [generateFloorPlan({ desks: 20, siteId: s.siteId, floorId: "f1", seed: 3 })],
    });
    const port = await freePort();
    let child = await startChildEdge(s, port);
    cleanups.push(() => Promise.resolve(child.kill("SIGKILL")));
    const fleet = await fleetFor(`mqtt://127.0.0.1:${port}`, readFleet(s));
    const run = publishLoop(fleet);
    await expect.poll(() => run.acknowledged(), { timeout: 10_000 }).toBeGreaterThan(200);
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGKILL");
    await exited;
    child = await startChildEdge(s, port);
    const acked = run.stop();
    // after the restart every device is back and its readings are committed before they are acknowledged
    await expect.poll(() => fleet.stats().connected, { timeout: 20_000 }).toBe(fleet.devices.size);
    for (const device of fleet.devices.values()) {
      const values = device.profile === "room-counter" ? { count: 1 } : { occupied: true };
      acked.push(key(await device.publishReading(values), device.deviceId));
    }
    const stored = storedKeys(s);
    expect(new Set(stored).size).toBe(stored.length);
    const storedSet = new Set(stored);
    expect(acked.filter((k) => !storedSet.has(k))).toEqual([]);
  });

  it("a graceful restart behind Mosquitto loses nothing acknowledged and duplicates nothing", async () => {
    const s = site(20, { DESK_EDGE_MQTT_URL: MOSQUITTO });
    let edge = await startEdge(loadEdgeConfig(s.env), quiet);
    const fleet = await fleetFor(MOSQUITTO, readFleet(s));
    // ~1,000 readings/s, so that what Mosquitto queues for the stopped gateway stays under its default
    // max_queued_messages (1000); beyond that Mosquitto drops the newest messages
    const first = publishLoop(fleet, 20);
    await expect.poll(() => first.acknowledged(), { timeout: 10_000 }).toBeGreaterThan(200);
    const stopping = first.acknowledged();
    await edge.stop();
    await expect.poll(() => first.acknowledged(), { timeout: 10_000 }).toBeGreaterThan(stopping + 50);
    const acked = first.stop();
    edge = await startEdge(loadEdgeConfig(s.env), quiet);
    cleanups.push(() => edge.stop());
    const second = publishLoop(fleet, 20);
    await expect.poll(() => second.acknowledged(), { timeout: 10_000 }).toBeGreaterThan(200);
    acked.push(...second.stop());
    await expect.poll(() => storedKeys(s).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(acked.length);
    const stored = storedKeys(s);
    expect(new Set(stored).size).toBe(stored.length);
    const storedSet = new Set(stored);
    expect(acked.filter((k) => !storedSet.has(k))).toEqual([]);
  });
});
