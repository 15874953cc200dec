import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

import type { ReadingRow } from "./sqlite-store.js";
import { SqliteStore } from "./sqlite-store.js";

function reading(seq: number, change: Partial<ReadingRow> = {}): ReadingRow {
  return {
    deviceId: "pir-1",
    boot: "b1",
    seq,
    ts: 1000 + seq,
    receivedAt: 2000 + seq,
    kind: "desk",
    occupied: true,
    count: null,
    battery: 90,
    rssi: -60,
    fw: "1.0.0",
    applied: true,
    ...change,
  };
}

function tempFile(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), "edge-store-")), "edge.db");
}

describe("SqliteStore", () => {
  it("commits a batch when a waiter is waiting and answers it afterwards", async () => {
    const store = new SqliteStore(tempFile(), { maxRows: 500, maxMs: 10_000 });
    store.addReading(reading(1));
    expect(store.hasReading("pir-1", "b1", 1)).toBe(true);
    expect(store.count("readings")).toBe(0);
    await new Promise<void>((resolve, reject) => store.afterCommit((error) => (error ? reject(error) : resolve())));
    expect(store.count("readings")).toBe(1);
    store.close();
  });

  it("commits on its own after maxRows or maxMs", async () => {
    const commits: number[] = [];
    const store = new SqliteStore(tempFile(), { maxRows: 3, maxMs: 20 }, (stats) => commits.push(stats.readings));
    for (const seq of [1, 2, 3]) store.addReading(reading(seq));
    expect(commits).toEqual([3]);
    store.addReading(reading(4));
    await expect.poll(() => commits, { timeout: 2000 }).toEqual([3, 1]);
    store.close();
  });

  it("answers the waiters of a batch committed at maxRows at the end of the turn, in arrival order", async () => {
    const commits: number[] = [];
    const store = new SqliteStore(tempFile(), { maxRows: 2, maxMs: 10_000 }, (stats) => commits.push(stats.readings));
    const answered: number[] = [];
    store.addReading(reading(1));
    store.afterCommit(() => answered.push(1));
    store.addReading(reading(2));
    store.afterCommit(() => answered.push(2));
    store.addReading(reading(3));
    store.afterCommit(() => answered.push(3));
    expect(commits).toEqual([2]);
    expect(answered).toEqual([]);
    await expect.poll(() => answered, { timeout: 2000 }).toEqual([1, 2, 3]);
    expect(commits).toEqual([2, 1]);
    expect(store.count("readings")).toBe(3);
    store.close();
  });

  it("recognises duplicates across batches; a new boot starts afresh (an old boot's readings are stale)", () => {
    const store = new SqliteStore(tempFile());
    const add = (boot: string, seq: number): void => store.addReading({ ...reading(seq), boot });
    for (const seq of [1, 2, 5]) add("b1", seq);
    store.flush();
    expect([1, 2, 3, 5, 6].map((seq) => store.hasReading("pir-1", "b1", seq))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    add("b1", 3);
    store.flush();
    expect([1, 2, 3, 4, 5].map((seq) => store.hasReading("pir-1", "b1", seq))).toEqual([true, true, true, false, true]);
    add("b2", 1);
    expect(store.hasReading("pir-1", "b2", 1)).toBe(true);
    store.flush();
    expect([store.hasReading("pir-1", "b2", 1), store.hasReading("pir-1", "b2", 2)]).toEqual([true, false]);
    // the gateway refuses readings of a boot older than the device's current one before they get here
    expect(store.hasReading("pir-1", "b1", 5)).toBe(false);
    expect(store.count("readings")).toBe(5);
    store.close();
  });

  it("refuses a seq far behind its device's newest as a replay, also after a reopen and a purge", () => {
    const file = tempFile();
    const first = new SqliteStore(file);
    for (const seq of [1, 2, 3]) first.addReading(reading(seq));
    first.addReading(reading(5000));
    first.close();
    const second = new SqliteStore(file);
    expect(second.purgeOlderThan(10_000, 100)).toBe(4);
    // the window is the 1,024 seqs up to the newest (5000): 3976 and below can only be replays
    expect([3, 3976, 3977, 4999, 5000, 5001].map((seq) => second.hasReading("pir-1", "b1", seq))).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    second.close();
  });

  it("knows every committed reading after a crash, before its marks were ever saved", () => {
    const file = tempFile();
    const crashed = new SqliteStore(file);
    for (const seq of [1, 2, 4]) crashed.addReading(reading(seq));
    crashed.flush();
    // the crashed store is never closed: what it committed is all a new one finds
    const reopened = new SqliteStore(file);
    expect([1, 2, 3, 4, 5].map((seq) => reopened.hasReading("pir-1", "b1", seq))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    reopened.close();
  });

  it("knows readings stored after a purge emptied the table, after a crash", () => {
    const file = tempFile();
    const crashed = new SqliteStore(file);
    for (const seq of [1, 2, 3]) crashed.addReading(reading(seq, { receivedAt: seq }));
    crashed.close();
    const emptied = new SqliteStore(file);
    expect(emptied.purgeOlderThan(10, 100)).toBe(3);
    emptied.addReading(reading(4));
    emptied.flush();
    const reopened = new SqliteStore(file);
    expect([3, 4, 5].map((seq) => reopened.hasReading("pir-1", "b1", seq))).toEqual([true, true, false]);
    reopened.close();
    emptied.close();
  });

  it("gives a database from before the marks its marks from the readings it holds", () => {
    const file = tempFile();
    const first = new SqliteStore(file);
    for (const seq of [1, 2, 4]) first.addReading(reading(seq));
    first.close();
    const raw = new Database(file);
    raw.exec("DELETE FROM reading_marks; DELETE FROM reading_marks_through");
    raw.close();
    const second = new SqliteStore(file);
    expect([1, 2, 3, 4, 5].map((seq) => second.hasReading("pir-1", "b1", seq))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(second.newestAppliedTs("pir-1")).toBe(1004);
    second.close();
  });

  it("keeps (device, boot, seq) unique across a reopen and resumes devices and targets", () => {
    const file = tempFile();
    const first = new SqliteStore(file);
    first.addReading(reading(1));
    first.putDevice({ deviceId: "pir-1", boot: "b1", bootTs: 5, availability: "online", lastSeen: 7, battery: 12 });
    first.putTarget({
      kind: "desk",
      id: "d-1",
      status: "pending-free",
      since: 9,
      lastTs: 8,
      present: false,
      count: 0,
      holdStart: 8,
      offline: false,
    });
    first.close();
    const second = new SqliteStore(file);
    expect(second.hasReading("pir-1", "b1", 1)).toBe(true);
    second.addReading(reading(1, { ts: 99 }));
    second.flush();
    expect(second.count("readings")).toBe(1);
    // the last sighting is the receipt of the device's newest reading of its boot (2001), later than the row's 7
    expect(second.loadDevices()).toEqual([
      { deviceId: "pir-1", boot: "b1", bootTs: 5, availability: "online", lastSeen: 2001, battery: 12 },
    ]);
    second.putDevice({
      deviceId: "pir-1",
      boot: "b1",
      bootTs: 5,
      availability: "offline",
      lastSeen: 3000,
      battery: 12,
    });
    second.flush();
    expect(second.loadDevices()[0]?.lastSeen).toBe(3000);
    expect(second.loadTargets()[0]).toMatchObject({ status: "pending-free", holdStart: 8, present: false });
    second.close();
  });

  it("inserts a large batch in order, ignoring duplicates within it and against stored rows", () => {
    const store = new SqliteStore(tempFile(), { maxRows: 1000, maxMs: 10_000 });
    store.addReading(reading(7));
    store.flush();
    for (let seq = 0; seq < 123; seq += 1) store.addReading(reading(seq, { ts: 5000 + seq }));
    store.addReading(reading(60, { ts: 1 }));
    store.flush();
    expect(store.count("readings")).toBe(123);
    expect([0, 50, 122, 123].map((seq) => store.hasReading("pir-1", "b1", seq))).toEqual([true, true, true, false]);
    store.close();
  });

  it("purges old readings and dead letters in small batches", () => {
    const store = new SqliteStore(tempFile());
    for (let seq = 0; seq < 10; seq += 1) store.addReading(reading(seq, { receivedAt: seq }));
    store.addDeadLetter({ receivedAt: 1, topic: "t", reason: "bad_json", detail: "x", payload: "{" });
    store.flush();
    expect(store.purgeOlderThan(5, 3)).toBe(4);
    expect(store.purgeOlderThan(5, 3)).toBe(2);
    expect(store.purgeOlderThan(5, 3)).toBe(0);
    expect(store.count("readings")).toBe(5);
    store.close();
  });
});
