import { mkdirSync } from "node:fs";
import path from "node:path";

import type { DeadLetterReason } from "@desksharing/protocol";
import Database from "better-sqlite3";

import type { DeviceState } from "../domain/devices.js";
import type { TargetState } from "../domain/occupancy.js";
import type { ReadingMark } from "../domain/replay-window.js";
import { alreadyTaken, markTaken } from "../domain/replay-window.js";
import { DownlinkCache } from "../downlink/cache.js";
import type { OutboxEventInput } from "../uplink/outbox-policy.js";
import { OutboxStore } from "../uplink/outbox-store.js";

export interface ReadingRow {
  deviceId: string;
  boot: string;
  seq: number;
  ts: number;
  receivedAt: number;
  kind: "desk" | "room";
  occupied: boolean | null;
  count: number | null;
  battery: number | null;
  rssi: number | null;
  fw: string | null;
  /** False when the reading was older than the target's state and kept as history only. */
  applied: boolean;
}

export interface DeadLetterRow {
  receivedAt: number;
  topic: string;
  reason: DeadLetterReason;
  detail: string;
  /** The start of the payload, as text; sensor payloads hold no personal data. */
  payload: string;
}

export type CredentialKind = "device" | "kiosk" | "observer";

export interface BatchOptions {
  maxRows: number;
  maxMs: number;
}

export interface CommitStats {
  readings: number;
  deadLetters: number;
  /** Events appended to the uplink outbox in this commit. */
  uplinkEvents: number;
  seconds: number;
}

type Waiter = (error: Error | null) => void;

// Devices and targets are upserted by key: without a rowid each upsert touches one B-tree instead of the
// primary-key index and the table.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS credentials (
  kind TEXT NOT NULL, id TEXT NOT NULL, site_id TEXT NOT NULL, secret_hash BLOB NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
) STRICT;
CREATE TABLE IF NOT EXISTS readings (
  id INTEGER PRIMARY KEY, device_id TEXT NOT NULL, boot TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL, kind TEXT NOT NULL, occupied INTEGER, count INTEGER, battery REAL, rssi INTEGER,
  fw TEXT, applied INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS readings_received_at ON readings (received_at);
CREATE TABLE IF NOT EXISTS reading_marks (
  device_id TEXT PRIMARY KEY, boot TEXT NOT NULL, seq INTEGER NOT NULL, seen BLOB NOT NULL,
  received_at INTEGER NOT NULL, applied_ts INTEGER
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reading_marks_through (id INTEGER PRIMARY KEY CHECK (id = 1), reading_id INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY, boot TEXT, boot_ts INTEGER, availability TEXT NOT NULL, last_seen INTEGER, battery REAL
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS targets (
  kind TEXT NOT NULL, target_id TEXT NOT NULL, status TEXT NOT NULL, since INTEGER NOT NULL, last_ts INTEGER,
  present INTEGER, count INTEGER NOT NULL, hold_start INTEGER, offline INTEGER NOT NULL,
  PRIMARY KEY (kind, target_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, topic TEXT NOT NULL, reason TEXT NOT NULL,
  detail TEXT NOT NULL, payload TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS dead_letters_received_at ON dead_letters (received_at);
`;

export type StoredDevice = Pick<DeviceState, "deviceId" | "boot" | "bootTs" | "availability" | "lastSeen" | "battery">;
export type StoredTarget = Omit<TargetState, "floorId">;

const READING_COLUMNS = 12;
/** Readings inserted by one statement: one step per row was a good part of every commit. */
const READINGS_PER_INSERT = 50;
/** How often the replay-window marks are stored: what is newer is taken again from the readings at open. */
const MARKS_SAVE_MS = 5_000;

function insertReadingsSql(rows: number): string {
  const row = `(${new Array(READING_COLUMNS).fill("?").join(", ")})`;
  return `INSERT OR IGNORE INTO readings (device_id, boot, seq, ts, received_at, kind, occupied, count, battery, rssi, fw, applied)
    VALUES ${new Array(rows).fill(row).join(", ")}`;
}

function readingValues(r: ReadingRow, into: unknown[], at: number): void {
  into[at] = r.deviceId;
  into[at + 1] = r.boot;
  into[at + 2] = r.seq;
  into[at + 3] = r.ts;
  into[at + 4] = r.receivedAt;
  into[at + 5] = r.kind;
  into[at + 6] = r.occupied === null ? null : r.occupied ? 1 : 0;
  into[at + 7] = r.count;
  into[at + 8] = r.battery;
  into[at + 9] = r.rssi;
  into[at + 10] = r.fw;
  into[at + 11] = r.applied ? 1 : 0;
}

function readingKey(deviceId: string, boot: string, seq: number): string {
  return `${deviceId}\u0000${boot}\u0000${seq}`;
}

/**
 * The edge's SQLite database: WAL with synchronous=NORMAL (a commit survives a crash of the process), writes
 * grouped into transactions of at most `maxRows` rows or `maxMs` milliseconds. A write that someone waits for
 * (an MQTT acknowledgement) is committed at the end of the current event-loop turn, so every message that arrived
 * in that turn shares one transaction.
 */
export class SqliteStore {
  private readonly db: Database.Database;
  private readonly statements;
  private pendingReadings: ReadingRow[] = [];
  private readonly pendingKeys = new Set<string>();
  /**
   * Per device, which readings are committed (see replay-window.ts). Stored every MARKS_SAVE_MS together with
   * the id of the newest reading they include; at open the readings after that id are taken again, so the
   * readings table stays the truth and a crash loses no mark.
   */
  private readonly marks = new Map<string, ReadingMark>();
  private readonly unsavedMarks = new Set<string>();
  private marksSavedAt = Date.now();
  private pendingDeadLetters: DeadLetterRow[] = [];
  private pendingDevices = new Map<string, StoredDevice>();
  private pendingTargets = new Map<string, StoredTarget>();
  private pendingUplink: OutboxEventInput[] = [];
  private uplinkOutbox: OutboxStore | null = null;
  private downlinkCache: DownlinkCache | null = null;
  private waiters: Waiter[] = [];
  /** Waiters of batches committed in the middle of a turn, answered at its end. */
  private answers: { waiters: Waiter[]; failure: Error | null }[] = [];
  private answering: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(
    file: string,
    private readonly batch: BatchOptions = { maxRows: 500, maxMs: 50 },
    private readonly onCommit: (stats: CommitStats) => void = () => undefined,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    // Under ingest nearly every commit rewrites the same device and desk pages: checkpointing (and syncing) every
    // 16 MB of WAL instead of every 4 MB copies each page once where it was copied several times.
    this.db.pragma("wal_autocheckpoint = 4000");
    this.db.pragma("journal_size_limit = 67108864");
    this.db.exec(SCHEMA);
    this.statements = {
      insertReading: this.db.prepare(insertReadingsSql(1)),
      insertReadings: this.db.prepare(insertReadingsSql(READINGS_PER_INSERT)),
      marksThrough: this.db.prepare(
        `INSERT INTO reading_marks_through (id, reading_id) VALUES (1, (SELECT coalesce(max(id), 0) FROM readings))
         ON CONFLICT (id) DO UPDATE SET reading_id = excluded.reading_id`,
      ),
      upsertMark: this.db.prepare(
        `INSERT INTO reading_marks (device_id, boot, seq, seen, received_at, applied_ts) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET boot = excluded.boot, seq = excluded.seq, seen = excluded.seen,
           received_at = excluded.received_at, applied_ts = excluded.applied_ts`,
      ),
      insertDeadLetter: this.db.prepare(
        "INSERT INTO dead_letters (received_at, topic, reason, detail, payload) VALUES (?, ?, ?, ?, ?)",
      ),
      upsertDevice: this.db.prepare(
        `INSERT INTO devices (device_id, boot, boot_ts, availability, last_seen, battery) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET boot = excluded.boot, boot_ts = excluded.boot_ts,
           availability = excluded.availability, last_seen = excluded.last_seen, battery = excluded.battery`,
      ),
      // every planned target has its row from the start: an update spares the upsert's failed insert
      updateTarget: this.db.prepare(
        `UPDATE targets SET status = ?, since = ?, last_ts = ?, present = ?, count = ?, hold_start = ?, offline = ?
         WHERE kind = ? AND target_id = ?`,
      ),
      upsertTarget: this.db.prepare(
        `INSERT INTO targets (kind, target_id, status, since, last_ts, present, count, hold_start, offline)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, target_id) DO UPDATE SET status = excluded.status, since = excluded.since,
           last_ts = excluded.last_ts, present = excluded.present, count = excluded.count,
           hold_start = excluded.hold_start, offline = excluded.offline`,
      ),
      purgeReadings: this.db.prepare(
        "DELETE FROM readings WHERE id IN (SELECT id FROM readings WHERE received_at < ? LIMIT ?)",
      ),
      purgeDeadLetters: this.db.prepare(
        "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < ? LIMIT ?)",
      ),
    };
    this.loadMarks();
  }

  /**
   * Reads the marks as last saved, then takes the readings stored after them, in the order they were stored (all
   * of them in a database from before the marks, which kept its readings unique by an index instead).
   */
  private loadMarks(): void {
    const rows = this.db.prepare("SELECT * FROM reading_marks").all() as {
      device_id: string;
      boot: string;
      seq: number;
      seen: Buffer;
      received_at: number;
      applied_ts: number | null;
    }[];
    for (const row of rows) {
      this.marks.set(row.device_id, {
        boot: row.boot,
        seq: row.seq,
        seen: new Uint8Array(row.seen),
        receivedAt: row.received_at,
        appliedTs: row.applied_ts,
      });
    }
    const through = this.db.prepare("SELECT reading_id FROM reading_marks_through").pluck().get() as number | undefined;
    const readings = this.db
      .prepare("SELECT device_id, boot, seq, ts, received_at, applied FROM readings WHERE id > ? ORDER BY id")
      .iterate(through ?? 0) as IterableIterator<{
      device_id: string;
      boot: string;
      seq: number;
      ts: number;
      received_at: number;
      applied: number;
    }>;
    for (const r of readings) {
      const mark = this.marks.get(r.device_id);
      if (alreadyTaken(mark, r.boot, r.seq)) continue;
      const reading = { boot: r.boot, seq: r.seq, ts: r.ts, receivedAt: r.received_at, applied: r.applied === 1 };
      this.marks.set(r.device_id, markTaken(mark, reading));
      this.unsavedMarks.add(r.device_id);
    }
  }

  /** Writes the marks changed since they were last saved and the id of the newest reading they include. */
  private saveMarksNow(): void {
    try {
      this.db.transaction(() => {
        for (const deviceId of this.unsavedMarks) {
          const m = this.marks.get(deviceId);
          if (m === undefined) continue;
          const seen = Buffer.from(m.seen.buffer, m.seen.byteOffset, m.seen.byteLength);
          this.statements.upsertMark.run(deviceId, m.boot, m.seq, seen, m.receivedAt, m.appliedTs);
        }
        this.statements.marksThrough.run();
      })();
      this.unsavedMarks.clear();
    } catch (error) {
      // the readings keep what the marks would have said; the next save tries again
      this.onError(error as Error);
    }
    this.marksSavedAt = Date.now();
  }

  /**
   * Turns on the uplink outbox: from now on `addUplink` events are appended in the same transaction as the state
   * they describe (an event exists exactly when its state change does).
   */
  enableOutbox(): OutboxStore {
    this.uplinkOutbox ??= new OutboxStore(this.db);
    return this.uplinkOutbox;
  }

  /** The cache of what the cloud sends down (plans, settings, kiosk credentials), in this database. */
  enableDownlinkCache(): DownlinkCache {
    this.downlinkCache ??= new DownlinkCache(this.db);
    return this.downlinkCache;
  }

  /** Whether state changes should be described for the cloud (the outbox is on). */
  get uplinkEnabled(): boolean {
    return this.uplinkOutbox !== null;
  }

  // --- reads -------------------------------------------------------------------------------------------------

  loadDevices(): StoredDevice[] {
    const rows = this.db.prepare("SELECT * FROM devices").all() as {
      device_id: string;
      boot: string | null;
      boot_ts: number | null;
      availability: StoredDevice["availability"];
      last_seen: number | null;
      battery: number | null;
    }[];
    // a reading does not rewrite its device's row when only the last sighting changes: that is its receipt time
    return rows.map((row) => {
      const lastReadingAt = this.marks.get(row.device_id)?.receivedAt;
      return {
        deviceId: row.device_id,
        boot: row.boot,
        bootTs: row.boot_ts,
        availability: row.availability,
        lastSeen:
          lastReadingAt === undefined || lastReadingAt === null
            ? row.last_seen
            : Math.max(row.last_seen ?? lastReadingAt, lastReadingAt),
        battery: row.battery,
      };
    });
  }

  loadTargets(): StoredTarget[] {
    const rows = this.db.prepare("SELECT * FROM targets").all() as {
      kind: "desk" | "room";
      target_id: string;
      status: StoredTarget["status"];
      since: number;
      last_ts: number | null;
      present: number | null;
      count: number;
      hold_start: number | null;
      offline: number;
    }[];
    return rows.map((row) => ({
      kind: row.kind,
      id: row.target_id,
      status: row.status,
      since: row.since,
      lastTs: row.last_ts,
      present: row.present === null ? null : row.present === 1,
      count: row.count,
      holdStart: row.hold_start,
      offline: row.offline === 1,
    }));
  }

  /**
   * Event time of the device's newest applied reading, or null. A target's row is not rewritten when only its
   * newest reading time moves, so that time is restored from here at start.
   */
  newestAppliedTs(deviceId: string): number | null {
    return this.marks.get(deviceId)?.appliedTs ?? null;
  }

  /**
   * Whether a reading is committed or waiting in the current batch, or lies so far behind its device's newest
   * that it can only be a replay.
   */
  hasReading(deviceId: string, boot: string, seq: number): boolean {
    if (this.pendingKeys.has(readingKey(deviceId, boot, seq))) return true;
    return alreadyTaken(this.marks.get(deviceId), boot, seq);
  }

  count(table: "readings" | "dead_letters"): number {
    return this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  }

  deadLetters(limit = 1000): (DeadLetterRow & { id: number })[] {
    return (
      this.db
        .prepare("SELECT id, received_at, topic, reason, detail, payload FROM dead_letters ORDER BY id LIMIT ?")
        .all(limit) as {
        id: number;
        received_at: number;
        topic: string;
        reason: DeadLetterReason;
        detail: string;
        payload: string;
      }[]
    ).map((row) => ({ ...row, receivedAt: row.received_at }));
  }

  ping(): boolean {
    return this.db.prepare("SELECT 1").pluck().get() === 1;
  }

  // --- credentials (written at once: provisioning is rare) ----------------------------------------------------

  credentialHash(kind: CredentialKind, id: string): Buffer | null {
    const row = this.db.prepare("SELECT secret_hash FROM credentials WHERE kind = ? AND id = ?").pluck().get(kind, id);
    return row instanceof Buffer ? row : null;
  }

  credentials(kind: CredentialKind): { id: string; hash: Buffer }[] {
    return (
      this.db.prepare("SELECT id, secret_hash FROM credentials WHERE kind = ?").all(kind) as {
        id: string;
        secret_hash: Buffer;
      }[]
    ).map((row) => ({ id: row.id, hash: row.secret_hash }));
  }

  putCredentials(entries: { kind: CredentialKind; id: string; siteId: string; hash: Buffer }[], now: number): void {
    const upsert = this.db.prepare(
      `INSERT INTO credentials (kind, id, site_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET site_id = excluded.site_id, secret_hash = excluded.secret_hash`,
    );
    this.db.transaction(() => {
      for (const entry of entries) upsert.run(entry.kind, entry.id, entry.siteId, entry.hash, now);
    })();
  }

  // --- batched writes ------------------------------------------------------------------------------------------

  addReading(row: ReadingRow): void {
    this.pendingReadings.push(row);
    this.pendingKeys.add(readingKey(row.deviceId, row.boot, row.seq));
    this.schedule();
  }

  addDeadLetter(row: DeadLetterRow): void {
    this.pendingDeadLetters.push(row);
    this.schedule();
  }

  putDevice(device: StoredDevice): void {
    this.pendingDevices.set(device.deviceId, device);
    this.schedule();
  }

  putTarget(target: StoredTarget): void {
    this.pendingTargets.set(`${target.kind}:${target.id}`, target);
    this.schedule();
  }

  /** Queues an event for the cloud; committed with the batch it belongs to. Ignored while the outbox is off. */
  addUplink(event: OutboxEventInput): void {
    if (this.uplinkOutbox === null) return;
    this.pendingUplink.push(event);
    this.schedule();
  }

  /** Calls `waiter` once everything written so far is committed (or the commit failed). */
  afterCommit(waiter: Waiter): void {
    if (this.closed) {
      waiter(new Error("store is closed"));
      return;
    }
    this.waiters.push(waiter);
    this.immediate ??= setImmediate(() => this.flush());
  }

  awaitingCommit(): boolean {
    return this.waiters.length > 0 || this.answers.length > 0;
  }

  private schedule(): void {
    if (this.pendingReadings.length + this.pendingDeadLetters.length >= this.batch.maxRows) {
      // Committed now to keep transactions small, but acknowledged at the end of the turn: an acknowledgement
      // sent from inside the I/O phase lets the device's next message arrive in that same phase, so ingest
      // could keep the phase busy for tens of thousands of messages while everything scheduled with
      // setImmediate (aedes' deliveries to subscribers among them) waits and piles up in memory.
      this.flush(true);
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.batch.maxMs);
  }

  /** Commits everything pending in one transaction and then answers the waiters (at the end of the turn if `later`). */
  flush(later = false): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    const batchReadings = this.pendingReadings;
    const deadLetters = this.pendingDeadLetters;
    const devices = this.pendingDevices;
    const targets = this.pendingTargets;
    const uplink = this.pendingUplink;
    const waiters = this.waiters;
    const pending = batchReadings.length + deadLetters.length + devices.size + targets.size + uplink.length;
    if (pending + waiters.length === 0) return;
    this.pendingUplink = [];
    this.pendingReadings = [];
    this.pendingDeadLetters = [];
    this.pendingDevices = new Map();
    this.pendingTargets = new Map();
    this.waiters = [];
    const started = process.hrtime.bigint();
    let failure: Error | null = null;
    // the marks this batch leaves behind, taken over once it is committed; a reading they already hold (in the
    // batch twice, or committed before) is not stored again
    const marks = new Map<string, ReadingMark>();
    const readings: ReadingRow[] = [];
    for (const r of batchReadings) {
      const copy = marks.get(r.deviceId);
      const mark = copy ?? this.marks.get(r.deviceId);
      if (alreadyTaken(mark, r.boot, r.seq)) continue;
      marks.set(r.deviceId, markTaken(mark, r, copy !== undefined));
      readings.push(r);
    }
    try {
      this.db.transaction(() => {
        const s = this.statements;
        const full = readings.length - (readings.length % READINGS_PER_INSERT);
        const values: unknown[] = new Array<unknown>(READINGS_PER_INSERT * READING_COLUMNS);
        for (let start = 0; start < full; start += READINGS_PER_INSERT) {
          for (let i = 0; i < READINGS_PER_INSERT; i += 1) {
            readingValues(readings[start + i] as ReadingRow, values, i * READING_COLUMNS);
          }
          s.insertReadings.run(values);
        }
        const one: unknown[] = new Array<unknown>(READING_COLUMNS);
        for (let i = full; i < readings.length; i += 1) {
          readingValues(readings[i] as ReadingRow, one, 0);
          s.insertReading.run(one);
        }
        for (const d of deadLetters) s.insertDeadLetter.run(d.receivedAt, d.topic, d.reason, d.detail, d.payload);
        for (const d of devices.values()) {
          s.upsertDevice.run(d.deviceId, d.boot, d.bootTs, d.availability, d.lastSeen, d.battery);
        }
        for (const t of targets.values()) {
          const present = t.present === null ? null : t.present ? 1 : 0;
          const offline = t.offline ? 1 : 0;
          const updated = s.updateTarget.run(
            t.status,
            t.since,
            t.lastTs,
            present,
            t.count,
            t.holdStart,
            offline,
            t.kind,
            t.id,
          );
          if (updated.changes === 0) {
            s.upsertTarget.run(t.kind, t.id, t.status, t.since, t.lastTs, present, t.count, t.holdStart, offline);
          }
        }
        if (uplink.length > 0) this.uplinkOutbox?.append(uplink, Date.now());
      })();
    } catch (error) {
      failure = error as Error;
      this.onError(failure);
    }
    this.pendingKeys.clear();
    if (failure === null) {
      for (const [deviceId, mark] of marks) {
        this.marks.set(deviceId, mark);
        this.unsavedMarks.add(deviceId);
      }
      if (this.unsavedMarks.size > 0 && Date.now() - this.marksSavedAt >= MARKS_SAVE_MS) this.saveMarksNow();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.onCommit({
        readings: readings.length,
        deadLetters: deadLetters.length,
        uplinkEvents: uplink.length,
        seconds,
      });
    }
    if (later && waiters.length > 0) {
      this.answers.push({ waiters, failure });
      this.answering ??= setImmediate(() => this.answer());
    } else {
      // acknowledgements keep the order in which the messages arrived
      this.answer();
      for (const waiter of waiters) waiter(failure);
    }
  }

  private answer(): void {
    if (this.answering !== null) clearImmediate(this.answering);
    this.answering = null;
    const answers = this.answers;
    this.answers = [];
    for (const { waiters, failure } of answers) for (const waiter of waiters) waiter(failure);
  }

  /** Deletes at most `limit` readings and dead letters received before `cutoff`; returns how many went. */
  purgeOlderThan(cutoff: number, limit: number): number {
    const readings = this.statements.purgeReadings.run(cutoff, limit).changes;
    // a purge that empties the table lets reading ids start again below the marks' one
    if (readings > 0) this.saveMarksNow();
    return readings + this.statements.purgeDeadLetters.run(cutoff, limit).changes;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.answer();
    this.saveMarksNow();
    this.closed = true;
    this.db.close();
  }
}
