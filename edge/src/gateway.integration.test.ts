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
