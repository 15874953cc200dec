import { randomBytes } from "node:crypto";

import type Database from "better-sqlite3";

import type { UplinkEvent } from "@desksharing/protocol";

import {
  classify,
  composeBatch,
  dropBudget,
  dropFromPage,
  type DropReason,
  type OutboxBounds,
  type OutboxEventInput,
  type OutboxKind,
  type OutboxRowInfo,
} from "./outbox-policy.js";

const PAGE = 5000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (kind, subject, id);
CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox_dead (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  body TEXT NOT NULL,
  dead_at INTEGER NOT NULL
);
`;

interface Row {
  id: number;
  kind: OutboxKind;
  subject: string;
  created_at: number;
  bytes: number;
  body: string;
}

export interface OutboxEntry {
  id: number;
  eventId: string;
  bytes: number;
  event: UplinkEvent;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  /** `created_at` of the oldest row (ms since epoch), null when empty. */
  oldestCreatedAt: number | null;
  droppedTotal: number;
  deadLetters: number;
}

export interface NextBatchOptions {
  maxEvents: number;
  maxBytes: number;
  /** Rows with an id above it were appended while the link was up: live. The rest is back-fill. */
  liveAfter: number;
  historyAllowance: number;
}

/**
 * The durable outbox (DESIGN §6, edge.md G8–G10) over a database handle it is given, so `append` can run inside
 * the transaction that writes the local state: an event exists exactly when its state change does. Rows are
 * deleted only when the cloud acknowledged them; AUTOINCREMENT keeps row ids (and so event ids
 * `<instanceId>:<row id>`) from ever being reused after a delete, which the cloud's deduplication relies on.
 */
export class OutboxStore {
  readonly instanceId: string;
  private readonly s;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.s = {
      insert: db.prepare("INSERT INTO outbox (kind, subject, created_at, bytes, body) VALUES (?, ?, ?, ?, ?)"),
      supersede: db.prepare("UPDATE outbox SET kind = 'superseded' WHERE kind = 'state' AND subject = ?"),
      getMeta: db.prepare("SELECT value FROM outbox_meta WHERE key = ?").pluck(),
      setMeta: db.prepare(
        "INSERT INTO outbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      live: db.prepare("SELECT * FROM outbox WHERE id > ? ORDER BY id LIMIT ?"),
      snapshot: db.prepare("SELECT * FROM outbox WHERE kind = 'state' AND id <= ? ORDER BY id LIMIT ?"),
      // `+kind`: walk the rows in id order (most are history) instead of through the kind index
      history: db.prepare("SELECT * FROM outbox WHERE id <= ? AND +kind <> 'state' ORDER BY id LIMIT ?"),
      byIds: db.prepare("SELECT * FROM outbox WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"),
      delete: db.prepare("DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))"),
      dead: db.prepare(
        "INSERT INTO outbox_dead (id, event_id, code, message, body, dead_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      totals: db.prepare(
        "SELECT count(*) AS depth, coalesce(sum(bytes), 0) AS bytes, min(created_at) AS oldest FROM outbox",
      ),
      historyPage: db.prepare(
        // `+kind`: walk the rows in id order instead of sorting every row of the kind through the subject index
        "SELECT id, kind, subject, created_at, bytes FROM outbox WHERE +kind = 'history' AND id > ? ORDER BY id LIMIT ?",
      ),
      supersededPage: db.prepare(
        "SELECT id, kind, subject, created_at, bytes FROM outbox WHERE +kind = 'superseded' AND id > ? ORDER BY id LIMIT ?",
      ),
      isEmpty: db.prepare("SELECT NOT EXISTS (SELECT 1 FROM outbox)").pluck(),
      deadCount: db.prepare("SELECT count(*) FROM outbox_dead").pluck(),
      maxId: db.prepare("SELECT coalesce(max(id), 0) FROM outbox").pluck(),
    };
    let instanceId = this.s.getMeta.get("instance_id") as string | undefined;
    if (instanceId === undefined) {
      instanceId = randomBytes(12).toString("base64url");
      this.s.setMeta.run("instance_id", instanceId);
    }
    this.instanceId = instanceId;
    // An outbox written before state rows were reclassified on append holds several per subject: mark the older.
    db.exec(`UPDATE outbox SET kind = 'superseded' WHERE kind = 'state' AND EXISTS
      (SELECT 1 FROM outbox n WHERE n.kind = 'state' AND n.subject = outbox.subject AND n.id > outbox.id)`);
  }

  /** Synchronous; call it inside the transaction that commits the state these events describe. */
  append(events: readonly OutboxEventInput[], now: number): void {
    for (const event of events) {
      const body = JSON.stringify(event);
      const { kind, subject } = classify(event);
      // one `state` row per subject: the one before becomes history of the subject's changes
      if (kind === "state") this.s.supersede.run(subject);
      this.s.insert.run(kind, subject, now, Buffer.byteLength(body), body);
    }
  }

  /** The highest row id so far (0 when none was ever written): the link's live/back-fill boundary. */
  lastId(): number {
    return this.s.maxId.get() as number;
  }

  /** The next batch: live rows, then the newest state of every subject, then history up to the allowance. */
  nextBatch(options: NextBatchOptions): OutboxEntry[] {
    const limit = options.maxEvents;
    const toEntry = (row: Row): OutboxEntry => this.entry(row, row.id <= options.liveAfter);
    const lists = {
      live: (this.s.live.all(options.liveAfter, limit) as Row[]).map(toEntry),
      snapshot: (this.s.snapshot.all(options.liveAfter, limit) as Row[]).map(toEntry),
      history:
        options.historyAllowance > 0
          ? (this.s.history.all(options.liveAfter, Math.min(limit, options.historyAllowance)) as Row[]).map(toEntry)
          : [],
    };
    return composeBatch(lists, options).rows;
  }

  /** These rows again (those still there), for resending or splitting a refused batch. */
  entries(ids: readonly number[], liveAfter: number): OutboxEntry[] {
    return (this.s.byIds.all(JSON.stringify(ids)) as Row[]).map((row) => this.entry(row, row.id <= liveAfter));
  }

  /** The cloud stored these: they go. */
  acknowledge(ids: readonly number[]): number {
    return this.s.delete.run(JSON.stringify(ids)).changes;
  }

  /** The cloud refuses these for good: they move to `outbox_dead` with the reason. */
  deadLetter(ids: readonly number[], code: string, message: string, now: number): number {
    return this.db.transaction(() => {
      const rows = this.s.byIds.all(JSON.stringify(ids)) as Row[];
      for (const row of rows) this.s.dead.run(row.id, this.eventId(row.id), code, message, row.body, now);
      this.s.delete.run(JSON.stringify(rows.map((row) => row.id)));
      return rows.length;
    })();
  }

  /**
   * Applies the bounds policy page by page (history first, then superseded state, oldest first), deleting at most
   * `maxPerCall` rows so one call never blocks the event loop for long; the next call goes on. Returns what went.
   */
  enforceBounds(bounds: OutboxBounds, now: number, maxPerCall = 10_000): Record<DropReason, number> {
    const totals = this.totals();
    let budget = dropBudget({ rows: totals.depth, bytes: totals.bytes }, bounds, now);
    const byReason: Record<DropReason, number> = { age: 0, rows: 0, bytes: 0 };
    const tooOld = totals.oldest !== null && totals.oldest < budget.cutoff;
    if (budget.rows === 0 && budget.bytes === 0 && !tooOld) return byReason;
    let deleted = 0;
    for (const page of [this.s.historyPage, this.s.supersededPage]) {
      let after = 0;
      while (deleted < maxPerCall) {
        const rows = (page.all(after, Math.min(PAGE, maxPerCall - deleted)) as Omit<Row, "body">[]).map(
          (row): OutboxRowInfo => ({
            id: row.id,
            kind: row.kind,
            subject: row.subject,
            createdAt: row.created_at,
            bytes: row.bytes,
          }),
        );
        const result = dropFromPage(rows, budget);
        budget = result.budget;
        if (result.ids.length > 0) {
          this.db.transaction(() => {
            this.s.delete.run(JSON.stringify(result.ids));
            this.s.setMeta.run("dropped_total", String(this.droppedTotal() + result.ids.length));
          })();
          deleted += result.ids.length;
          for (const reason of ["age", "rows", "bytes"] as const) byReason[reason] += result.byReason[reason];
        }
        const last = rows.at(-1);
        if (result.done || last === undefined) break;
        after = last.id;
      }
    }
    return byReason;
  }

  /** Cheaper than `stats()` for "is there anything to send". */
  isEmpty(): boolean {
    return this.s.isEmpty.get() === 1;
  }

  stats(): OutboxStats {
    const totals = this.totals();
    return {
      depth: totals.depth,
      bytes: totals.bytes,
      oldestCreatedAt: totals.oldest,
      droppedTotal: this.droppedTotal(),
      deadLetters: this.s.deadCount.get() as number,
    };
  }

  eventId(rowId: number): string {
    return `${this.instanceId}:${rowId}`;
  }

  private totals(): { depth: number; bytes: number; oldest: number | null } {
    return this.s.totals.get() as { depth: number; bytes: number; oldest: number | null };
  }

  private droppedTotal(): number {
    return Number((this.s.getMeta.get("dropped_total") as string | undefined) ?? 0);
  }

  private entry(row: Row, backfill: boolean): OutboxEntry {
    const stored = JSON.parse(row.body) as OutboxEventInput;
    const id = this.eventId(row.id);
    const event: UplinkEvent =
      stored.type === "reading" ? { ...stored, id, historical: stored.historical || backfill } : { ...stored, id };
    return { id: row.id, eventId: id, bytes: row.bytes + id.length + 8, event };
  }
}
