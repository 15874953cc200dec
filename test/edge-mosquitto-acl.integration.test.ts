/**
 * The edge (its product command) behind a private Mosquitto that runs with the password and ACL files provisioning
 * writes. Against an external broker the edge cannot see who published (edge/CONTEXT.md, "External broker"), so
 * the per-device rules hold only if Mosquitto enforces them: every device logs in with its own password and may
 * publish only its own topics, the gateway and the observer only read.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

import type { ObserverCredentials } from "@desksharing/edge";
import { credentialPaths, edgeDatabasePath, provisionSite } from "@desksharing/edge";
import type { Fleet, MockDevice } from "@desksharing/firmware-mocks";
import { startFleet } from "@desksharing/firmware-mocks";
import { generateFloorPlan } from "@desksharing/floorplans";
import type { FleetCredentials } from "@desksharing/protocol";
import { deviceStateTopic, deviceStatusTopic } from "@desksharing/protocol";
import Database from "better-sqlite3";
import mqtt from "mqtt";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { EdgeProcess } from "./support/processes.js";
import { freePort, startEdgeProcess, startMosquitto, waitFor } from "./support/processes.js";

const siteId = `acl-${process.pid}-${Date.now().toString(36)}`;
const dataDir = mkdtempSync(join(tmpdir(), "edge-mosquitto-acl-"));
const paths = credentialPaths(dataDir);
let brokerUrl = "";
/** The files as Mosquitto loaded them. */
let loaded: { passwords: string; acl: string };
let edge: EdgeProcess;
let credentials: FleetCredentials;
let fleet: Fleet;
const cleanups: (() => Promise<unknown> | void)[] = [];

function rows<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(edgeDatabasePath(dataDir), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

function readingsOf(deviceId: string): { boot: string; seq: number }[] {
  return rows("SELECT boot, seq FROM readings WHERE device_id = ? ORDER BY id", deviceId);
}

function deskStatus(deskId: string): string | undefined {
  return rows<{ status: string }>("SELECT status FROM targets WHERE kind = 'desk' AND target_id = ?", deskId)[0]
    ?.status;
}

function device(index: number): { mock: MockDevice; deskId: string } {
  const entry = credentials.devices.filter((d) => d.profile !== "room-counter")[index];
  const mock = entry === undefined ? undefined : fleet.devices.get(entry.deviceId);
  if (entry === undefined || mock === undefined) throw new Error(`no desk sensor #${index} in the fleet`);
  return { mock, deskId: entry.targetId };
}

function passwordOf(deviceId: string): string {
  return credentials.devices.find((d) => d.deviceId === deviceId)?.password ?? "";
}

async function login(username: string | undefined, password: string | undefined, clientId: string) {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

/** A reading of `mock`'s current boot that the edge would accept from anyone (it cannot tell who sent it). */
function forgedReading(mock: MockDevice, seq: number, occupied: boolean): string {
  return JSON.stringify({ v: 1, ts: Date.now(), seq, boot: mock.boot, kind: "desk", occupied });
}

beforeAll(async () => {
  const plan = generateFloorPlan({ desks: 6, siteId, floorId: "f1", seed: 3 });
  const planFile = join(dataDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  // provisioned before Mosquitto starts: it reads both files once, at start
  credentials = (await provisionSite({ dataDir, siteId, plans: [plan] })).fleet;
  loaded = { passwords: readFileSync(paths.mosquittoPasswords, "utf8"), acl: readFileSync(paths.mosquittoAcl, "utf8") };
  const port = await freePort();
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  const mosquitto = await startMosquitto(port, dataDir, [
    "allow_anonymous false",
    `password_file ${paths.mosquittoPasswords}`,
    `acl_file ${paths.mosquittoAcl}`,
    // run as root, Mosquitto would switch to its own user, which cannot read the edge's files (mode 0600)
    `user ${userInfo().username}`,
  ]);
  cleanups.push(() => mosquitto.stop());
  edge = await startEdgeProcess({
    DATA_DIR: dataDir,
    DESK_EDGE_SITE_ID: siteId,
    DESK_EDGE_PLAN_FILES: planFile,
    DESK_EDGE_MQTT_URL: brokerUrl,
  });
  cleanups.push(() => edge.stop());
  fleet = await startFleet({
    brokerUrl,
    credentials,
    simulate: false,
    seed: 7,
    logger: pino({ level: "silent" }),
    reconnectDelayMs: { min: 100, max: 500 },
  });
  cleanups.push(() => fleet.stop());
});

afterAll(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

describe("edge behind a Mosquitto with the provisioned password and ACL files", () => {
  it("logs the gateway in with its own login and commits every device's readings", async () => {
    // the edge provisioned again at start: what Mosquitto loaded is still what the files say
    expect(readFileSync(paths.mosquittoPasswords, "utf8")).toBe(loaded.passwords);
    expect(readFileSync(paths.mosquittoAcl, "utf8")).toBe(loaded.acl);
    expect((await edge.health()).brokerConnected).toBe(true);
    for (const mock of fleet.devices.values()) {
      await mock.publishReading(mock.profile === "room-counter" ? { count: 2 } : { occupied: true });
    }
    for (const { deviceId } of credentials.devices) {
      await waitFor(() => readingsOf(deviceId).length === 1, `a reading of ${deviceId}`, 10_000);
    }
    expect(deskStatus(device(1).deskId)).toBe("occupied");
  });

  it("drops what a device publishes on another device's topics before it reaches the edge", async () => {
    const attacker = device(0).mock;
    const { mock: victim, deskId } = device(1);
    const before = readingsOf(victim.deviceId);
    const rogue = await login(attacker.deviceId, passwordOf(attacker.deviceId), `${attacker.deviceId}-rogue`);
    await rogue.publishAsync(deviceStateTopic(siteId, victim.deviceId), forgedReading(victim, victim.seq, false), {
      qos: 1,
    });
    const offline = JSON.stringify({ state: "offline", boot: victim.boot, fw: "1.0.0", ts: Date.now() });
    await rogue.publishAsync(deviceStatusTopic(siteId, victim.deviceId), offline, { qos: 1, retain: true });
    // Mosquitto hands one connection's messages on in order: once this one is committed, the forged ones would be
    const barrier = attacker.seq + 1_000;
    await rogue.publishAsync(deviceStateTopic(siteId, attacker.deviceId), forgedReading(attacker, barrier, true), {
      qos: 1,
    });
    await waitFor(() => readingsOf(attacker.deviceId).some((r) => r.seq === barrier), "the attacker's own reading");

    expect(readingsOf(victim.deviceId)).toEqual(before);
    expect(deskStatus(deskId)).toBe("occupied");
    expect(rows("SELECT availability FROM devices WHERE device_id = ?", victim.deviceId)).toEqual([
      { availability: "online" },
    ]);
    expect(rows("SELECT topic, reason FROM dead_letters")).toEqual([]);
  });

  it("refuses an anonymous client, a wrong password and an unknown user at CONNECT", async () => {
    const notAuthorised = { code: 5 };
    await expect(login(undefined, undefined, "anonymous-1")).rejects.toMatchObject(notAuthorised);
    await expect(login(device(0).mock.deviceId, "not-the-password-0000", "wrong-1")).rejects.toMatchObject(
      notAuthorised,
    );
    await expect(login(`desk-edge-${siteId}`, "not-the-password-0000", "wrong-2")).rejects.toMatchObject(notAuthorised);
    await expect(login("someone", "not-the-password-0000", "unknown-1")).rejects.toMatchObject(notAuthorised);
  });

  it("lets the observer read the site but publish nothing", async () => {
    const observerLogin = JSON.parse(readFileSync(paths.observer, "utf8")) as ObserverCredentials;
    const observer = await login(observerLogin.username, observerLogin.password, "observer-1");
    const seen: string[] = [];
    observer.on("message", (topic) => seen.push(topic));
    await observer.subscribeAsync(`desksharing/v1/${siteId}/#`, { qos: 1 });
    const { mock: victim } = device(2);
    const before = readingsOf(victim.deviceId);
    await observer.publishAsync(deviceStateTopic(siteId, victim.deviceId), forgedReading(victim, victim.seq, false), {
      qos: 1,
    });
    // published after Mosquitto acknowledged (and so decided on) the observer's message
    const own = device(3).mock;
    await own.publishReading({ occupied: false });
    await waitFor(() => seen.includes(deviceStateTopic(siteId, own.deviceId)), "the observer reading a reading");
    await waitFor(() => readingsOf(own.deviceId).length === 2, "the device's reading committed");

    expect(seen).not.toContain(deviceStateTopic(siteId, victim.deviceId));
    expect(readingsOf(victim.deviceId)).toEqual(before);
  });
});
