import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { UplinkEvent } from "@desksharing/protocol";

import type { OutboxEventInput } from "./outbox-policy.js";
import { OutboxStore } from "./outbox-store.js";

const desk = (deskId: string, status: "free" | "occupied", at: number): OutboxEventInput => ({
  type: "desk-state",
  siteId: "hq",
  at,
  state: { deskId, floorId: "F1", status, since: at },
});
const reading = (seq: number, at: number): OutboxEventInput => ({
  type: "reading",
  siteId: "hq",
  at,
  deviceId: "dev-1",
  boot: "boot-1",
  seq,
  occupied: seq % 2 === 0,
  historical: false,
});
const everything = { maxEvents: 500, maxBytes: 1e6, liveAfter: 0, historyAllowance: 500 };

describe("SQLite outbox", () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  const open = (): OutboxStore => {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    return new OutboxStore(db);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "outbox-"));
    file = path.join(dir, "edge.db");
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps unacknowledged rows and the instance id across a reopen; event ids are valid and stable", () => {
    let outbox = open();
    db.transaction(() => outbox.append([desk("D1", "occupied", 1000), reading(1, 1000)], 1000))();
    const before = outbox.nextBatch(everything);
    expect(before).toHaveLength(2);
    for (const entry of before) expect(UplinkEvent.safeParse(entry.event).success).toBe(true);
    const instance = outbox.instanceId;
    db.close(); // no acknowledgement: as if the process died

    outbox = open();
    expect(outbox.instanceId).toBe(instance);
    const after = outbox.nextBatch(everything);
    expect(after.map((entry) => entry.eventId)).toEqual(before.map((entry) => entry.eventId));
    expect(outbox.stats()).toMatchObject({ depth: 2, droppedTotal: 0 });
  });

  it("rolls back with the transaction it joined", () => {
    const outbox = open();
    expect(() =>
      db.transaction(() => {
        outbox.append([desk("D1", "occupied", 1)], 1);
        throw new Error("state write failed");
      })(),
    ).toThrow("state write failed");
    expect(outbox.stats().depth).toBe(0);
  });

  it("deletes only acknowledged rows and never reuses a row id", () => {
    let outbox = open();
    outbox.append([desk("D1", "occupied", 1), desk("D2", "free", 1)], 1);
    const [first, second] = outbox.nextBatch(everything);
    expect(outbox.acknowledge([first!.id, second!.id])).toBe(2);
    db.close();
    outbox = open();
    outbox.append([desk("D3", "free", 2)], 2);
    const [third] = outbox.nextBatch(everything);
    expect(third!.id).toBeGreaterThan(second!.id);
    expect(outbox.stats().depth).toBe(1);
  });

  it("sends live first, then the snapshot, then history oldest first with readings marked historical", () => {
    const outbox = open();
    outbox.append([desk("D1", "occupied", 1), reading(1, 1), desk("D1", "free", 2), desk("D2", "occupied", 2)], 2);
    const liveAfter = outbox.lastId();
    outbox.append([reading(2, 3)], 3);
    const batch = outbox.nextBatch({ ...everything, liveAfter, historyAllowance: 10 });
    expect(batch.map((entry) => entry.id)).toEqual([5, 3, 4, 1, 2]);
    const events = batch.map((entry) => entry.event);
    expect(events[0]).toMatchObject({ type: "reading", seq: 2, historical: false });
    expect(events[4]).toMatchObject({ type: "reading", seq: 1, historical: true });
    // without history allowance only live and snapshot go
    expect(outbox.nextBatch({ ...everything, liveAfter, historyAllowance: 0 }).map((entry) => entry.id)).toEqual([
      5, 3, 4,
    ]);
  });

  it("sends a snapshot larger than a batch whole before any history, even once its first part is acknowledged", () => {
    const outbox = open();
    // 12 desks change three times with a reading between rounds: ids 1–12, 14–25, 27–38 are desks, 13, 26, 39 readings
    for (let round = 0; round < 3; round++) {
      const status = round % 2 === 0 ? "occupied" : "free";
      outbox.append([...Array.from({ length: 12 }, (_, i) => desk(`D${i}`, status, round)), reading(round, round)], 1);
    }
    const liveAfter = outbox.lastId();
    const sent: number[] = [];
    for (;;) {
      const batch = outbox.nextBatch({ ...everything, maxEvents: 5, liveAfter, historyAllowance: 5 });
      if (batch.length === 0) break;
      sent.push(...batch.map((entry) => entry.id));
      outbox.acknowledge(batch.map((entry) => entry.id));
    }
    const newest = Array.from({ length: 12 }, (_, i) => 27 + i);
    expect(sent.slice(0, 12)).toEqual(newest);
    expect(sent.slice(12)).toEqual([...Array.from({ length: 26 }, (_, i) => i + 1), 39]);
  });

  it("reclassifies an outbox written with several state rows per subject when it is opened", () => {
    open().append([desk("D1", "occupied", 1)], 1);
    // an outbox as written before appends superseded the subject's previous state row
    const body = JSON.stringify(desk("D1", "free", 2));
    db.prepare("INSERT INTO outbox (kind, subject, created_at, bytes, body) VALUES ('state', 'desk:D1', 2, ?, ?)").run(
      Buffer.byteLength(body),
      body,
    );
    db.close();
    const outbox = open();
    const liveAfter = outbox.lastId();
    expect(outbox.nextBatch({ ...everything, liveAfter, historyAllowance: 0 }).map((entry) => entry.id)).toEqual([2]);
    expect(outbox.nextBatch({ ...everything, liveAfter }).map((entry) => entry.id)).toEqual([2, 1]);
  });

  it("moves refused events to the dead-letter table", () => {
    const outbox = open();
    outbox.append([desk("D1", "occupied", 1), reading(1, 1)], 1);
    const [, bad] = outbox.nextBatch(everything);
    expect(outbox.deadLetter([bad!.id], "VALIDATION_FAILED", "bad", 5)).toBe(1);
    expect(outbox.stats()).toMatchObject({ depth: 1, deadLetters: 1 });
    const dead = db.prepare("SELECT event_id, code FROM outbox_dead").get();
    expect(dead).toEqual({ event_id: bad!.eventId, code: "VALIDATION_FAILED" });
  });

  it("applies the bounds: readings go first, every desk's latest state stays, drops are counted durably", () => {
    let outbox = open();
    for (let i = 0; i < 100; i++) outbox.append([reading(i, i), desk(`D${i % 10}`, i % 2 ? "free" : "occupied", i)], i);
    expect(outbox.stats().depth).toBe(200);
    const dropped = outbox.enforceBounds({ maxRows: 50, maxBytes: 1e9, maxAgeMs: 1e9 }, 100);
    expect(dropped).toEqual({ age: 0, rows: 150, bytes: 0 });
    const kept = outbox.nextBatch({ ...everything, liveAfter: outbox.lastId() });
    expect(kept.every((entry) => entry.event.type === "desk-state")).toBe(true);
    expect(kept.slice(-10).map((entry) => entry.event.type === "desk-state" && entry.event.state.deskId)).toEqual([
      "D0",
      "D1",
      "D2",
      "D3",
      "D4",
      "D5",
      "D6",
      "D7",
      "D8",
      "D9",
    ]);
    outbox.enforceBounds({ maxRows: 0, maxBytes: 0, maxAgeMs: 0 }, 1000);
    db.close();
    outbox = open();
    expect(outbox.stats()).toMatchObject({ depth: 10, droppedTotal: 190 });
  });
});
