import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { DownlinkSnapshot } from "@desksharing/protocol";

import { DownlinkCache } from "./cache.js";
import { checkKioskToken } from "./kiosk-tokens.js";
import { ENTRANCE_TOKEN, fullSnapshot, LOBBY_TOKEN, plan, settings, sha256Hex } from "./test-fixtures.js";

describe("downlink cache in SQLite", () => {
  let dir: string;
  let file: string;
  let db: Database.Database;
  const open = (): DownlinkCache => {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    return new DownlinkCache(db);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "downlink-cache-"));
    file = path.join(dir, "edge.db");
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts empty", () => {
    const cache = open();
    expect(cache.known("hq")).toEqual({});
    expect(cache.status()).toEqual({ siteId: null, parts: { plans: null, settings: null, kioskCredentials: null } });
    expect(cache.plans()).toEqual([]);
    expect(cache.settings()).toBeNull();
    expect(cache.kioskCredentials()).toEqual([]);
    expect(checkKioskToken(cache, LOBBY_TOKEN, Date.now())).toEqual({ ok: false, reason: "unknown" });
  });

  it("keeps a full snapshot, lowest floor first, through a restart", () => {
    const cache = open();
    const snapshot = DownlinkSnapshot.parse(fullSnapshot());
    expect(cache.apply(snapshot, 1_000)).toEqual(["plans", "settings", "kioskCredentials"]);
    expect(cache.known("hq")).toEqual({ plans: "p1", settings: settings().revision, kioskCredentials: "k1" });
    db.close();

    const reopened = open();
    expect(reopened.status()).toEqual({
      siteId: "hq",
      parts: {
        plans: { revision: "p1", receivedAt: 1_000 },
        settings: { revision: settings().revision, receivedAt: 1_000 },
        kioskCredentials: { revision: "k1", receivedAt: 1_000 },
      },
    });
    expect(reopened.plans().map(({ version, plan: p }) => [p.floorId, version])).toEqual([
      ["floor-1", 1],
      ["floor-2", 3],
    ]);
    expect(reopened.plans()[0]!.plan).toEqual(snapshot.plans!.floors[1]!.plan);
    const { revision: _revision, ...content } = settings();
    expect(reopened.settings()).toEqual(content);
    expect(reopened.kioskCredentials()).toEqual([
      { id: "k-entrance", name: "Entrance", hash: Buffer.from(sha256Hex(ENTRANCE_TOKEN), "hex"), expiresAt: 2e12 },
      { id: "k-lobby", name: "Lobby", hash: Buffer.from(sha256Hex(LOBBY_TOKEN), "hex"), expiresAt: null },
    ]);
    expect(checkKioskToken(reopened, LOBBY_TOKEN, Date.now())).toEqual({
      ok: true,
      credential: { id: "k-lobby", name: "Lobby" },
    });
  });

  it("replaces only the parts whose revision changed", () => {
    const cache = open();
    cache.apply(fullSnapshot(), 1_000);
    expect(cache.apply(fullSnapshot(), 2_000)).toEqual([]);
    expect(cache.status().parts.plans?.receivedAt).toBe(1_000);

    const newer = fullSnapshot({
      plans: { revision: "p2", floors: [{ version: 4, plan: plan("floor-1", 1, "Renovated") }] },
      settings: undefined,
      kioskCredentials: undefined,
      unchanged: ["settings", "kioskCredentials"],
    });
    expect(cache.apply(newer, 3_000)).toEqual(["plans"]);
    expect(cache.plans()).toEqual([{ version: 4, plan: plan("floor-1", 1, "Renovated") }]);
    expect(cache.settings()?.site.name).toBe("Headquarters");
    expect(cache.kioskCredentials()).toHaveLength(2);
  });

  it("refuses expired and removed kiosk credentials", () => {
    const cache = open();
    cache.apply(fullSnapshot(), 1_000);
    expect(checkKioskToken(cache, ENTRANCE_TOKEN, 2e12 - 1).ok).toBe(true);
    expect(checkKioskToken(cache, ENTRANCE_TOKEN, 2e12)).toEqual({ ok: false, reason: "expired" });
    expect(checkKioskToken(cache, `${LOBBY_TOKEN}x`, 0)).toEqual({ ok: false, reason: "unknown" });
    expect(checkKioskToken(cache, "", 0)).toEqual({ ok: false, reason: "unknown" });

    const revoked = fullSnapshot({
      plans: undefined,
      settings: undefined,
      kioskCredentials: {
        revision: "k2",
        items: [{ id: "k-entrance", name: "Entrance", hash: sha256Hex(ENTRANCE_TOKEN), expiresAt: 2e12 }],
      },
      unchanged: ["plans", "settings"],
    });
    expect(cache.apply(revoked, 2_000)).toEqual(["kioskCredentials"]);
    expect(checkKioskToken(cache, LOBBY_TOKEN, 0)).toEqual({ ok: false, reason: "unknown" });
    expect(checkKioskToken(cache, ENTRANCE_TOKEN, 0).ok).toBe(true);
  });

  it("writes a snapshot whole or not at all", () => {
    const cache = open();
    cache.apply(fullSnapshot(), 1_000);
    // Only validated snapshots reach the cache; a store failure half-way (here: a repeated id) must still leave
    // the previous state intact.
    const broken = fullSnapshot({
      plans: { revision: "p2", floors: [{ version: 9, plan: plan("floor-9", 9) }] },
      kioskCredentials: {
        revision: "k2",
        items: [
          { id: "twice", name: "A", hash: sha256Hex("a"), expiresAt: null },
          { id: "twice", name: "B", hash: sha256Hex("b"), expiresAt: null },
        ],
      },
    });
    expect(() => cache.apply(broken, 2_000)).toThrow();
    expect(cache.known("hq")).toEqual({ plans: "p1", settings: settings().revision, kioskCredentials: "k1" });
    expect(cache.plans().map(({ plan: p }) => p.floorId)).toEqual(["floor-1", "floor-2"]);
    expect(checkKioskToken(cache, LOBBY_TOKEN, 0).ok).toBe(true);
  });

  it("holds one site: another site's snapshot replaces everything", () => {
    const cache = open();
    cache.apply(fullSnapshot(), 1_000);
    const branch = DownlinkSnapshot.parse({
      siteId: "branch",
      settings: settings("Branch"),
      unchanged: [],
    });
    expect(cache.apply(branch, 2_000)).toEqual(["settings"]);
    expect(cache.known("hq")).toEqual({});
    expect(cache.known("branch")).toEqual({ settings: settings("Branch").revision });
    expect(cache.plans()).toEqual([]);
    expect(cache.kioskCredentials()).toEqual([]);
    expect(cache.status().siteId).toBe("branch");
  });
});
