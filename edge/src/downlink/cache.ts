import type Database from "better-sqlite3";

import {
  DOWNLINK_PARTS,
  type DownlinkPart,
  type DownlinkRevisions,
  type DownlinkSettings,
  type DownlinkSnapshot,
  type FloorPlan,
} from "@desksharing/protocol";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS downlink_parts (
  part TEXT PRIMARY KEY, site_id TEXT NOT NULL, revision TEXT NOT NULL, received_at INTEGER NOT NULL
) WITHOUT ROWID, STRICT;
CREATE TABLE IF NOT EXISTS downlink_plans (
  floor_id TEXT PRIMARY KEY, level INTEGER NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS downlink_settings (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS downlink_kiosk_credentials (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, hash BLOB NOT NULL, expires_at INTEGER
) WITHOUT ROWID, STRICT;
`;

const CONTENT_TABLES: Record<DownlinkPart, string> = {
  plans: "downlink_plans",
  settings: "downlink_settings",
  kioskCredentials: "downlink_kiosk_credentials",
};

export interface CachedPlan {
  version: number;
  plan: FloorPlan;
}

export type CachedSettings = Omit<DownlinkSettings, "revision">;

export interface CachedKioskCredential {
  id: string;
  name: string;
  /** SHA-256 of the secret (32 bytes) */
  hash: Buffer;
  /** ms since epoch; null: does not expire */
  expiresAt: number | null;
}

export interface DownlinkPartStatus {
  revision: string;
  /** When this revision was written (ms since epoch). */
  receivedAt: number;
}

export interface DownlinkCacheStatus {
  /** The site the cached parts belong to; null while nothing is cached. */
  siteId: string | null;
  parts: Record<DownlinkPart, DownlinkPartStatus | null>;
}

interface PartRow {
  part: DownlinkPart;
  site_id: string;
  revision: string;
  received_at: number;
}

/**
 * What the cloud sent down for this site (published floor plans, settings, kiosk credential hashes), kept in the
 * edge's SQLite so that the site keeps it through an outage and a restart. Takes a database handle it is given, like
 * the outbox; each part is replaced whole, in one transaction with its revision, and only from a snapshot already
 * validated against the protocol. Holds one site: a snapshot of another site replaces everything.
 */
export class DownlinkCache {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.s = {
      parts: db.prepare<[], PartRow>("SELECT part, site_id, revision, received_at FROM downlink_parts"),
      setPart: db.prepare(
        `INSERT INTO downlink_parts (part, site_id, revision, received_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (part) DO UPDATE SET site_id = excluded.site_id, revision = excluded.revision,
           received_at = excluded.received_at`,
      ),
      insertPlan: db.prepare("INSERT INTO downlink_plans (floor_id, level, version, document) VALUES (?, ?, ?, ?)"),
      plans: db.prepare<[], { version: number; document: string }>(
        "SELECT version, document FROM downlink_plans ORDER BY level, floor_id",
      ),
      setSettings: db.prepare(
        "INSERT INTO downlink_settings (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
      ),
      settings: db.prepare<[], string>("SELECT body FROM downlink_settings WHERE id = 1").pluck(),
      insertKiosk: db.prepare(
        "INSERT INTO downlink_kiosk_credentials (id, name, hash, expires_at) VALUES (?, ?, ?, ?)",
      ),
      kiosks: db.prepare<[], { id: string; name: string; hash: Buffer; expires_at: number | null }>(
        "SELECT id, name, hash, expires_at FROM downlink_kiosk_credentials ORDER BY id",
      ),
      clearParts: db.prepare("DELETE FROM downlink_parts"),
      clear: Object.fromEntries(
        DOWNLINK_PARTS.map((part) => [part, db.prepare(`DELETE FROM ${CONTENT_TABLES[part]}`)]),
      ) as Record<DownlinkPart, Database.Statement>,
    };
  }

  /** The revisions held for `siteId`; none when the cache is empty or holds another site. */
  known(siteId: string): DownlinkRevisions {
    const known: DownlinkRevisions = {};
    for (const row of this.s.parts.all()) if (row.site_id === siteId) known[row.part] = row.revision;
    return known;
  }

  status(): DownlinkCacheStatus {
    const rows = this.s.parts.all();
    const parts = Object.fromEntries(DOWNLINK_PARTS.map((part) => [part, null])) as DownlinkCacheStatus["parts"];
    for (const row of rows) parts[row.part] = { revision: row.revision, receivedAt: row.received_at };
    return { siteId: rows[0]?.site_id ?? null, parts };
  }

  /**
   * Writes the parts a validated snapshot carries, in one transaction; returns those whose revision changed (a
   * part sent again under the revision already held is left as it is).
   */
  apply(snapshot: DownlinkSnapshot, now: number): DownlinkPart[] {
    return this.db.transaction((): DownlinkPart[] => {
      const rows = this.s.parts.all();
      if (rows.some((row) => row.site_id !== snapshot.siteId)) {
        for (const part of DOWNLINK_PARTS) this.s.clear[part].run();
        this.s.clearParts.run();
      }
      const held = this.known(snapshot.siteId);
      const changed: DownlinkPart[] = [];
      for (const part of DOWNLINK_PARTS) {
        const content = snapshot[part];
        if (content === undefined || held[part] === content.revision) continue;
        this.s.clear[part].run();
        this.s.setPart.run(part, snapshot.siteId, content.revision, now);
        changed.push(part);
      }
      if (changed.includes("plans")) {
        for (const { version, plan } of snapshot.plans!.floors) {
          this.s.insertPlan.run(plan.floorId, plan.level, version, JSON.stringify(plan));
        }
      }
      if (changed.includes("settings")) {
        const { revision: _revision, ...settings } = snapshot.settings!;
        this.s.setSettings.run(JSON.stringify(settings));
      }
      if (changed.includes("kioskCredentials")) {
        for (const item of snapshot.kioskCredentials!.items) {
          this.s.insertKiosk.run(item.id, item.name, Buffer.from(item.hash, "hex"), item.expiresAt);
        }
      }
      return changed;
    })();
  }

  /** Published floor plans, lowest floor first (validated when they arrived). */
  plans(): CachedPlan[] {
    return this.s.plans.all().map((row) => ({ version: row.version, plan: JSON.parse(row.document) as FloorPlan }));
  }

  settings(): CachedSettings | null {
    const body = this.s.settings.get();
    return body === undefined ? null : (JSON.parse(body) as CachedSettings);
  }

  kioskCredentials(): CachedKioskCredential[] {
    return this.s.kiosks
      .all()
      .map((row) => ({ id: row.id, name: row.name, hash: row.hash, expiresAt: row.expires_at }));
  }
}
