import { describe, expect, it } from "vitest";

import {
  backoffMs,
  classify,
  composeBatch,
  dropBudget,
  dropFromPage,
  HistoryThrottle,
  planDrops,
  type OutboxRowInfo,
} from "./outbox-policy.js";

const state = (id: number, subject: string, createdAt = 0, bytes = 100): OutboxRowInfo => ({
  id,
  kind: "state",
  subject,
  createdAt,
  bytes,
});
const superseded = (id: number, subject: string): OutboxRowInfo => ({ ...state(id, subject), kind: "superseded" });
const reading = (id: number, createdAt = 0, bytes = 100): OutboxRowInfo => ({
  id,
  kind: "history",
  subject: "device:d1",
  createdAt,
  bytes,
});
const unbounded = { maxRows: 1e9, maxBytes: 1e12, maxAgeMs: 1e12 };

describe("outbox bounds policy", () => {
  it("classifies events: readings are history, the rest state of their desk, room or device", () => {
    expect(
      classify({
        type: "desk-state",
        siteId: "hq",
        at: 1,
        state: { deskId: "D1", floorId: "F1", status: "free", since: 1 },
      }),
    ).toEqual({ kind: "state", subject: "desk:D1" });
    expect(
      classify({ type: "reading", siteId: "hq", at: 1, deviceId: "dev-1", boot: "b1", seq: 1, historical: false }),
    ).toEqual({ kind: "history", subject: "device:dev-1" });
  });

  it("drops nothing within the bounds", () => {
    expect(planDrops([reading(1), state(2, "desk:A")], unbounded, 0).ids).toEqual([]);
  });

  it("drops the oldest readings first, then superseded state, never the newest state of a subject", () => {
    const rows = [superseded(1, "desk:A"), reading(2), state(3, "desk:A"), reading(4), state(5, "desk:B"), reading(6)];
    expect(planDrops(rows, { ...unbounded, maxRows: 4 }, 0)).toEqual({
      ids: [2, 4],
      byReason: { age: 0, rows: 2, bytes: 0 },
    });
    expect(planDrops(rows, { ...unbounded, maxRows: 2 }, 0).ids).toEqual([1, 2, 4, 6]);
    // the bound cannot be met without losing a desk's latest state: it is exceeded instead
    expect(planDrops(rows, { ...unbounded, maxRows: 0 }, 0).ids).toEqual([1, 2, 4, 6]);
  });

  it("drops by bytes and by age, counting each reason", () => {
    const rows = [reading(1, 0, 500), reading(2, 0, 500), state(3, "room:R", 0, 10), reading(4, 9_000, 10)];
    expect(planDrops(rows, { ...unbounded, maxBytes: 600 }, 0)).toEqual({
      ids: [1],
      byReason: { age: 0, rows: 0, bytes: 1 },
    });
    const aged = planDrops(rows, { ...unbounded, maxAgeMs: 5_000 }, 10_000);
    expect(aged).toEqual({ ids: [1, 2], byReason: { age: 2, rows: 0, bytes: 0 } });
  });

  it("drops page by page and says when the rest of a kind stays", () => {
    const budget = { rows: 3, bytes: 0, cutoff: 0 };
    const first = dropFromPage([reading(1), reading(2)], budget);
    expect(first).toMatchObject({ ids: [1, 2], done: false, budget: { rows: 1 } });
    const second = dropFromPage([reading(3), reading(4)], first.budget);
    expect(second).toMatchObject({ ids: [3], done: true, budget: { rows: 0 } });
    expect(dropBudget({ rows: 10, bytes: 900 }, { maxRows: 8, maxBytes: 1000, maxAgeMs: 50 }, 100)).toEqual({
      rows: 2,
      bytes: 0,
      cutoff: 50,
    });
  });
});

describe("batch composition", () => {
  const rows = (...ids: number[]): { id: number; bytes: number }[] => ids.map((id) => ({ id, bytes: 10 }));

  it("puts live events first, then the snapshot, then history up to the allowance", () => {
    const batch = composeBatch(
      { live: rows(10, 11), snapshot: rows(3, 7), history: rows(1, 2, 3, 4, 5) },
      { maxEvents: 500, maxBytes: 1e6, historyAllowance: 2 },
    );
    expect(batch.rows.map((row) => row.id)).toEqual([10, 11, 3, 7, 1, 2]);
    expect(batch.history).toBe(2);
  });

  it("respects the event and byte limits, but always takes one row", () => {
    const limited = composeBatch(
      { live: rows(10, 11, 12), snapshot: rows(3), history: rows(1) },
      { maxEvents: 2, maxBytes: 1e6, historyAllowance: 10 },
    );
    expect(limited.rows.map((row) => row.id)).toEqual([10, 11]);
    const big = composeBatch(
      {
        live: [
          { id: 1, bytes: 5000 },
          { id: 2, bytes: 1 },
        ],
        snapshot: [],
        history: [],
      },
      { maxEvents: 10, maxBytes: 100, historyAllowance: 0 },
    );
    expect(big.rows.map((row) => row.id)).toEqual([1]);
  });
});

describe("history throttle and backoff", () => {
  it("refills at its rate up to the burst", () => {
    const throttle = new HistoryThrottle(100, 50, 0);
    expect(throttle.allowance(0)).toBe(50);
    throttle.consume(50, 0);
    expect(throttle.allowance(0)).toBe(0);
    expect(throttle.waitMs(0)).toBe(10);
    expect(throttle.allowance(200)).toBe(20);
    expect(throttle.allowance(10_000)).toBe(50);
  });

  it("grows exponentially with jitter and is capped", () => {
    expect(backoffMs(0, 0)).toBe(250);
    expect(backoffMs(0, 0.999)).toBeLessThan(500);
    expect(backoffMs(3, 0)).toBe(2000);
    expect(backoffMs(50, 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffMs(50, 0)).toBe(30_000);
  });
});
