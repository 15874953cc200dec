/**
 * The edge → cloud link seen from outside: the cloud's admin API (sign-in, gateway enrolment, occupancy), and the
 * counts an end-to-end test compares: what the edge committed (its SQLite), what the cloud stored (its SQLite,
 * read-only), and what the fleet got acknowledged.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { edgeDatabasePath } from "@desksharing/edge";
import type { SiteOccupancy } from "@desksharing/protocol";
import Database from "better-sqlite3";

import { httpsJson } from "./processes.js";

export const SEED_ADMIN_EMAIL = "admin@example.com";

export interface CloudAdmin {
  url: string;
  ca: string;
  token: string;
  /** The uuid of the seeded site `hq`. */
  siteUuid: string;
}

/** Signs in as the seeded first admin (password from the cloud's DATA_DIR/cloud-admin-password). */
export async function signInAdmin(cloud: { url: string; ca: string }, cloudDataDir: string): Promise<CloudAdmin> {
  const password = readFileSync(join(cloudDataDir, "cloud-admin-password"), "utf8").trim();
  const login = await httpsJson(`${cloud.url}/api/v1/auth/login`, cloud.ca, {
    method: "POST",
    json: { email: SEED_ADMIN_EMAIL, password },
  });
  if (login.status !== 200) throw new Error(`admin sign-in failed: ${login.status} ${JSON.stringify(login.body)}`);
  const token = (login.body as { accessToken: string }).accessToken;
  const sites = (await httpsJson(`${cloud.url}/api/v1/sites`, cloud.ca, { token })).body as {
    items: { id: string; key: string }[];
  };
  const site = sites.items.find((candidate) => candidate.key === "hq");
  if (site === undefined) throw new Error("the seeded site hq is missing");
  return { url: cloud.url, ca: cloud.ca, token, siteUuid: site.id };
}

/** A gateway credential for site hq, as an admin creates it, written (0600) to `file` for DESK_EDGE_CLOUD_TOKEN_FILE. */
export async function enrolGateway(admin: CloudAdmin, name: string, file: string): Promise<string> {
  const created = await httpsJson(`${admin.url}/api/v1/machine-credentials`, admin.ca, {
    method: "POST",
    token: admin.token,
    json: { siteId: admin.siteUuid, kind: "gateway", name },
  });
  if (created.status !== 201) throw new Error(`enrolment failed: ${created.status} ${JSON.stringify(created.body)}`);
  writeFileSync(file, `${(created.body as { secret: string }).secret}\n`, { mode: 0o600 });
  return file;
}

export async function siteOccupancy(admin: CloudAdmin): Promise<SiteOccupancy> {
  const response = await httpsJson(`${admin.url}/api/v1/sites/${admin.siteUuid}/occupancy`, admin.ca, {
    token: admin.token,
  });
  if (response.status !== 200) throw new Error(`occupancy: ${response.status}`);
  return response.body as SiteOccupancy;
}

/** `device/boot/seq`: a reading's identity (the edge deduplicates on it). */
export function readingKey(deviceId: string, boot: string, seq: number): string {
  return `${deviceId}/${boot}/${seq}`;
}

function readOnly<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    return read(db);
  } finally {
    db.close();
  }
}

export interface EdgeCounts {
  instanceId: string;
  /** Readings committed (the edge's `readings` table). */
  readings: number;
  /** Outbox rows ever appended: the AUTOINCREMENT sequence (ids are never reused; a crashed commit takes none). */
  appended: number;
  outboxDepth: number;
  deadLetters: number;
  dropped: number;
}

export function edgeCounts(edgeDataDir: string): EdgeCounts {
  return readOnly(edgeDatabasePath(edgeDataDir), (db) => {
    const meta = (key: string): string | undefined =>
      db.prepare("SELECT value FROM outbox_meta WHERE key = ?").pluck().get(key) as string | undefined;
    return {
      instanceId: meta("instance_id") ?? "",
      readings: db.prepare("SELECT count(*) FROM readings").pluck().get() as number,
      appended: (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() as number) ?? 0,
      outboxDepth: db.prepare("SELECT count(*) FROM outbox").pluck().get() as number,
      deadLetters: db.prepare("SELECT count(*) FROM outbox_dead").pluck().get() as number,
      dropped: Number(meta("dropped_total") ?? 0),
    };
  });
}

/** The edge's readings as keys. */
export function edgeReadingKeys(edgeDataDir: string): string[] {
  return readOnly(
    edgeDatabasePath(edgeDataDir),
    (db) => db.prepare("SELECT device_id || '/' || boot || '/' || seq FROM readings").pluck().all() as string[],
  );
}

/** Outbox rows still waiting (ids), and the newest state row of every subject among them (the snapshot). */
export function edgeBacklog(edgeDataDir: string): { ids: number[]; snapshot: number[] } {
  return readOnly(edgeDatabasePath(edgeDataDir), (db) => ({
    ids: db.prepare("SELECT id FROM outbox ORDER BY id").pluck().all() as number[],
    snapshot: db
      .prepare("SELECT max(id) FROM outbox WHERE kind = 'state' GROUP BY subject ORDER BY 1")
      .pluck()
      .all() as number[],
  }));
}

export interface CloudCounts {
  /** Events of this edge instance the cloud holds (one row per event id: its primary key). */
  events: number;
  /** The highest row id among them (`<instance>:<row id>`). */
  maxRowId: number;
  readings: number;
  /** Distinct (device, boot, seq) among the stored readings: fewer than `readings` means a reading twice. */
  distinctReadings: number;
  readingKeys: Set<string>;
}

export function cloudCounts(cloudDbFile: string, instanceId: string): CloudCounts {
  if (!existsSync(cloudDbFile)) throw new Error(`no cloud database at ${cloudDbFile}`);
  return readOnly(cloudDbFile, (db) => {
    const prefix = `${instanceId}:`;
    const rows = db
      .prepare(
        `SELECT CAST(substr(event_id, ?) AS INTEGER) AS rowId, type,
                json_extract(payload, '$.deviceId') || '/' || json_extract(payload, '$.boot') || '/' ||
                json_extract(payload, '$.seq') AS k
           FROM occupancy_events WHERE substr(event_id, 1, ?) = ?`,
      )
      .all(prefix.length + 1, prefix.length, prefix) as { rowId: number; type: string; k: string | null }[];
    const readingKeys = new Set<string>();
    let readings = 0;
    let maxRowId = 0;
    for (const row of rows) {
      maxRowId = Math.max(maxRowId, row.rowId);
      if (row.type !== "reading" || row.k === null) continue;
      readings += 1;
      readingKeys.add(row.k);
    }
    return { events: rows.length, maxRowId, readings, distinctReadings: readingKeys.size, readingKeys };
  });
}

/** How many events of an instance the cloud holds (a count only: cheap enough to poll on millions of rows). */
export function cloudEventCount(cloudDbFile: string, instanceId: string): number {
  if (!existsSync(cloudDbFile)) throw new Error(`no cloud database at ${cloudDbFile}`);
  // event ids are `<instance id>:<row id>`: the range between `<instance id>:` and `<instance id>;` (':' + 1)
  return readOnly(
    cloudDbFile,
    (db) =>
      db
        .prepare("SELECT count(*) FROM occupancy_events WHERE event_id > ? AND event_id < ?")
        .pluck()
        .get(`${instanceId}:`, `${instanceId};`) as number,
  );
}

/** Row ids of the events of an instance the cloud holds. */
export function cloudRowIds(cloudDbFile: string, instanceId: string): Set<number> {
  return new Set(cloudReceivedAt(cloudDbFile, instanceId).keys());
}

/** When the cloud stored each of these events of an instance (its receipt time), by row id. */
export function cloudReceivedAt(cloudDbFile: string, instanceId: string): Map<number, number> {
  return readOnly(cloudDbFile, (db) => {
    const prefix = `${instanceId}:`;
    const rows = db
      .prepare(
        `SELECT CAST(substr(event_id, ?) AS INTEGER) AS rowId, received_at AS at FROM occupancy_events
          WHERE substr(event_id, 1, ?) = ?`,
      )
      .all(prefix.length + 1, prefix.length, prefix) as { rowId: number; at: number | bigint }[];
    return new Map(rows.map((row) => [row.rowId, Number(row.at)]));
  });
}

export interface ExactlyOnce {
  /** Readings the devices got a PUBACK for. */
  acknowledged: number;
  committedAtEdge: number;
  eventsAppendedAtEdge: number;
  eventsInCloud: number;
  readingsInCloud: number;
  /** Readings stored more than once in the cloud (by device, boot, seq). */
  duplicates: number;
  /** Acknowledged readings missing in the cloud. */
  lost: number;
  /** Readings the edge committed that the cloud does not hold. */
  notUploaded: number;
}

/**
 * Waits until the edge's outbox is empty and the cloud holds every event the edge ever appended, then compares:
 * every acknowledged reading is in the cloud exactly once, the cloud holds as many readings as the edge committed,
 * and as many events as the edge appended (nothing dropped, nothing dead-lettered in these tests).
 */
export function exactlyOnce(acked: readonly string[], edgeDataDir: string, cloudDbFile: string): ExactlyOnce {
  const edge = edgeCounts(edgeDataDir);
  const cloud = cloudCounts(cloudDbFile, edge.instanceId);
  const edgeKeys = edgeReadingKeys(edgeDataDir);
  return {
    acknowledged: acked.length,
    committedAtEdge: edge.readings,
    eventsAppendedAtEdge: edge.appended,
    eventsInCloud: cloud.events,
    readingsInCloud: cloud.readings,
    duplicates: cloud.readings - cloud.distinctReadings,
    lost: acked.filter((key) => !cloud.readingKeys.has(key)).length,
    notUploaded: edgeKeys.filter((key) => !cloud.readingKeys.has(key)).length,
  };
}

/** True once the outbox is empty and the cloud holds every appended event (two reads in a row agree). */
export function drained(edgeDataDir: string, cloudDbFile: string): boolean {
  const edge = edgeCounts(edgeDataDir);
  if (edge.outboxDepth > 0) return false;
  return (
    cloudEventCount(cloudDbFile, edge.instanceId) === edge.appended &&
    edgeCounts(edgeDataDir).appended === edge.appended
  );
}
