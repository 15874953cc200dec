import type { UplinkEvent } from "@desksharing/protocol";

/**
 * What the outbox keeps and in which order it sends (pure: the clock is a parameter).
 *
 * Policy when full (DESIGN §6, edge.md G10): readings are history and go first, oldest first; then state events
 * that a newer state event of the same desk, room or device superseded, oldest first. The latest state event of
 * every subject is never dropped, so after any outage the cloud still learns where every desk stands; the outbox
 * can therefore exceed its bounds by at most one row per desk, room and device.
 */

/** An event as the outbox stores it: the id is assigned from the row. */
export type OutboxEventInput = UplinkEvent extends infer E ? (E extends UplinkEvent ? Omit<E, "id"> : never) : never;

/**
 * `state`: the newest state event of its desk, room or device (at most one per subject: sent first after an outage,
 * never dropped); `superseded`: a state event a newer one of its subject replaced (the store reclassifies it in the
 * transaction that appends the newer one); `history`: a reading.
 */
export type OutboxKind = "state" | "superseded" | "history";

/** The part of an outbox row the policy looks at. */
export interface OutboxRowInfo {
  id: number;
  kind: OutboxKind;
  /** `desk:<id>`, `room:<id>`, `device:<id>` for state; the device for readings. */
  subject: string;
  createdAt: number;
  bytes: number;
}

export interface OutboxBounds {
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
}

export const DEFAULT_OUTBOX_BOUNDS: OutboxBounds = {
  maxRows: 4_000_000,
  maxBytes: 1024 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
};

export type DropReason = "age" | "rows" | "bytes";

export interface DropPlan {
  ids: number[];
  byReason: Record<DropReason, number>;
}

export function classify(event: OutboxEventInput): { kind: OutboxKind; subject: string } {
  switch (event.type) {
    case "desk-state":
      return { kind: "state", subject: `desk:${event.state.deskId}` };
    case "room-state":
      return { kind: "state", subject: `room:${event.state.roomId}` };
    case "device-state":
      return { kind: "state", subject: `device:${event.deviceId}` };
    case "reading":
      return { kind: "history", subject: `device:${event.deviceId}` };
  }
}

/** What still has to go: rows and bytes over the bounds, and the age limit as a time. */
export interface DropBudget {
  rows: number;
  bytes: number;
  /** Rows created before this go whatever the size. */
  cutoff: number;
}

export function dropBudget(totals: { rows: number; bytes: number }, bounds: OutboxBounds, now: number): DropBudget {
  return {
    rows: Math.max(0, totals.rows - bounds.maxRows),
    bytes: Math.max(0, totals.bytes - bounds.maxBytes),
    cutoff: now - bounds.maxAgeMs,
  };
}

/**
 * Drops from one page of candidates of one kind (history, or superseded state), oldest first, while a row is too
 * old or the budget is not yet met. `done` means a row was kept: the rest of that kind is newer and stays, so the
 * caller reads no further pages of it. The outbox applies this page by page so a large outbox is never loaded whole.
 */
export function dropFromPage(
  page: readonly OutboxRowInfo[],
  budget: DropBudget,
): { ids: number[]; byReason: Record<DropReason, number>; budget: DropBudget; done: boolean } {
  const ids: number[] = [];
  const byReason: Record<DropReason, number> = { age: 0, rows: 0, bytes: 0 };
  let { rows, bytes } = budget;
  for (const row of page) {
    let reason: DropReason | null = null;
    if (row.createdAt < budget.cutoff) reason = "age";
    else if (rows > 0) reason = "rows";
    else if (bytes > 0) reason = "bytes";
    if (reason === null) return { ids, byReason, budget: { ...budget, rows, bytes }, done: true };
    ids.push(row.id);
    byReason[reason] += 1;
    rows -= 1;
    bytes -= row.bytes;
  }
  return { ids, byReason, budget: { ...budget, rows: Math.max(0, rows), bytes: Math.max(0, bytes) }, done: false };
}

/** Which rows to drop so the outbox fits its bounds at `now` (the whole outbox at once; see `dropFromPage`). */
export function planDrops(rows: readonly OutboxRowInfo[], bounds: OutboxBounds, now: number): DropPlan {
  const byId = (a: OutboxRowInfo, b: OutboxRowInfo): number => a.id - b.id;
  const history = rows.filter((row) => row.kind === "history").sort(byId);
  const superseded = rows.filter((row) => row.kind === "superseded").sort(byId);
  let budget = dropBudget({ rows: rows.length, bytes: rows.reduce((sum, row) => sum + row.bytes, 0) }, bounds, now);
  const byReason: Record<DropReason, number> = { age: 0, rows: 0, bytes: 0 };
  const ids: number[] = [];
  for (const candidates of [history, superseded]) {
    const result = dropFromPage(candidates, budget);
    budget = result.budget;
    ids.push(...result.ids);
    for (const reason of ["age", "rows", "bytes"] as const) byReason[reason] += result.byReason[reason];
  }
  return { ids: ids.sort((a, b) => a - b), byReason };
}

/** A row offered for sending, with its size in the batch. */
export interface SendCandidate {
  id: number;
  bytes: number;
}

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  /** How many history rows this batch may carry (the throttle's allowance). */
  historyAllowance: number;
}

/**
 * One batch: everything live first (appended since the link came up), then the snapshot (the newest state of every
 * subject from before), then history oldest first up to the throttle's allowance, so back-fill never starves live
 * updates. Each list is in id order; an id in several lists is taken once.
 */
export function composeBatch<T extends SendCandidate>(
  lists: { live: readonly T[]; snapshot: readonly T[]; history: readonly T[] },
  limits: BatchLimits,
): { rows: T[]; history: number } {
  const rows: T[] = [];
  const taken = new Set<number>();
  let bytes = 0;
  let history = 0;
  const add = (row: T): boolean => {
    if (taken.has(row.id)) return true;
    if (rows.length >= limits.maxEvents) return false;
    if (rows.length > 0 && bytes + row.bytes > limits.maxBytes) return false;
    rows.push(row);
    taken.add(row.id);
    bytes += row.bytes;
    return true;
  };
  for (const row of lists.live) if (!add(row)) return { rows, history };
  for (const row of lists.snapshot) if (!add(row)) return { rows, history };
  for (const row of lists.history) {
    if (taken.has(row.id)) continue;
    if (history >= limits.historyAllowance || !add(row)) break;
    history += 1;
  }
  return { rows, history };
}

/** Token bucket for back-fill: `ratePerSecond` history events, bursts up to `burst`. */
export class HistoryThrottle {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  allowance(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  consume(count: number, now: number): void {
    this.refill(now);
    this.tokens = Math.max(0, this.tokens - count);
  }

  /** Milliseconds until at least one history event may go. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/** Exponential backoff with equal jitter (half fixed, half random: never zero), capped. `random` in [0, 1). */
export function backoffMs(attempt: number, random: number, baseMs = 500, capMs = 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(ceiling / 2 + (random * ceiling) / 2);
}
