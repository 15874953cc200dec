import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { deviceStateTopic, OccupancySettings } from "@desksharing/protocol";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

import { SqliteStore } from "./adapters/sqlite-store.js";
import { Gateway } from "./gateway.js";
import { smallPlan } from "./testing/harness.js";

const SITE = "gw-restart";
const settings = OccupancySettings.parse({});

function open(file: string, clock: { now: number }): { gateway: Gateway; store: SqliteStore } {
  const store = new SqliteStore(file, { maxRows: 500, maxMs: 10_000 });
  const gateway = new Gateway({
    siteId: SITE,
    plans: [smallPlan(SITE, 1)],
    settings,
    store,
    now: () => clock.now,
    publisherVerified: true,
    observer: {
      messageReceived: () => undefined,
      readingAccepted: () => undefined,
      messageRejected: () => undefined,
      targetsChanged: () => undefined,
    },
  });
  gateway.load();
  store.flush();
  return { gateway, store };
}

function desk(seq: number, ts: number, occupied: boolean): Uint8Array {
  return Buffer.from(JSON.stringify({ v: 1, ts, seq, boot: "b1", kind: "desk", occupied, battery: 80 }));
}

describe("Gateway restart", () => {
  it("restores the newest reading time from the readings when the target row kept an older one", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "edge-gateway-")), "edge.db");
    const clock = { now: 1_000_000 };
    const topic = deviceStateTopic(SITE, "pir-1");
    const first = open(file, clock);
    first.gateway.handleMessage(topic, desk(1, clock.now, true));
    clock.now += 1000;
    // same state: only the newest reading time moves, which the target row does not keep
    first.gateway.handleMessage(topic, desk(2, clock.now, true));
    const newest = clock.now;
    first.store.close();

    const db = new Database(file, { readonly: true });
    const row = db.prepare("SELECT last_ts FROM targets WHERE kind = 'desk' AND target_id = 'd-1'").pluck().get();
    db.close();
    expect(row).toBe(newest - 1000);

    clock.now += 1000;
    const second = open(file, clock);
    expect(second.gateway.target("desk", "d-1")).toMatchObject({ status: "occupied", lastTs: newest });
    // older than the newest applied reading: history, the desk stays occupied
    const verdict = second.gateway.handleMessage(topic, desk(3, newest - 500, false));
    expect(verdict.type).toBe("reading");
    expect(second.gateway.target("desk", "d-1")).toMatchObject({ status: "occupied", lastTs: newest });
    second.store.flush();
    second.store.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT applied FROM readings WHERE seq = 3").pluck().get()).toBe(0);
    check.close();
  });
});

describe("Gateway uplink outbox", () => {
  function openWithOutbox(file: string, clock: { now: number }): { gateway: Gateway; store: SqliteStore } {
    const store = new SqliteStore(file, { maxRows: 500, maxMs: 10_000 });
    store.enableOutbox();
    const gateway = new Gateway({
      siteId: SITE,
      plans: [smallPlan(SITE, 1)],
      settings,
      store,
      now: () => clock.now,
      publisherVerified: true,
      observer: {
        messageReceived: () => undefined,
        readingAccepted: () => undefined,
        messageRejected: () => undefined,
        targetsChanged: () => undefined,
      },
    });
    gateway.load();
    store.flush();
    return { gateway, store };
  }

  function outbox(file: string): { type: string; historical?: boolean; state?: { status: string } }[] {
    const db = new Database(file, { readonly: true });
    const bodies = db.prepare("SELECT body FROM outbox ORDER BY id").pluck().all() as string[];
    db.close();
    return bodies.map((body) => JSON.parse(body) as { type: string });
  }

  it("describes every start's state, each change of state and every reading, in the state's own commit", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "edge-gateway-")), "edge.db");
    const clock = { now: 2_000_000 };
    const topic = deviceStateTopic(SITE, "pir-1");
    const { gateway, store } = openWithOutbox(file, clock);
    const atStart = outbox(file);
    // the start's snapshot: one state event per desk and room of the plan (devices are still unknown)
    expect(atStart.length).toBeGreaterThan(0);
    expect(atStart.every((event) => event.type === "desk-state" || event.type === "room-state")).toBe(true);

    gateway.handleMessage(topic, desk(1, clock.now, true));
    // nothing is written before the commit: the outbox and the state go together
    expect(outbox(file)).toHaveLength(atStart.length);
    store.flush();
    const afterFirst = outbox(file).slice(atStart.length);
    expect(afterFirst.map((event) => event.type).sort()).toEqual(["desk-state", "device-state", "reading"]);
    expect(afterFirst.find((event) => event.type === "desk-state")?.state?.status).toBe("occupied");

    clock.now += 1000;
    // same state again: a reading, but no state event
    gateway.handleMessage(topic, desk(2, clock.now, true));
    // older than the desk's state: history, never live
    gateway.handleMessage(topic, desk(3, clock.now - 5000, false));
    store.flush();
    const later = outbox(file).slice(atStart.length + afterFirst.length);
    expect(later.map((event) => [event.type, event.historical])).toEqual([
      ["reading", false],
      ["reading", true],
    ]);
    store.close();
  });

  it("writes no outbox without a cloud link", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "edge-gateway-")), "edge.db");
    const clock = { now: 2_000_000 };
    const { gateway, store } = open(file, clock);
    gateway.handleMessage(deviceStateTopic(SITE, "pir-1"), desk(1, clock.now, true));
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'").pluck().get()).toBe(0);
    db.close();
  });
});
