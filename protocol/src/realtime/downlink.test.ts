import { describe, expect, it } from "vitest";

import { DownlinkChanged, DownlinkSnapshot, DownlinkSnapshotRequest } from "./downlink.js";

const plan = (floorId: string, siteId = "hq") => ({
  schemaVersion: 1,
  siteId,
  floorId,
  name: `Floor ${floorId}`,
  level: 1,
  width: 1000,
  height: 800,
  desks: [{ id: "d1", label: "A1", x: 10, y: 10, width: 160, height: 80, sensorIds: ["pir-1"] }],
});

const settings = {
  revision: "s1",
  site: { name: "Headquarters", timeZone: "Europe/Berlin" },
  bookingRules: {
    maxAdvanceDays: 14,
    maxBookingsPerDay: 1,
    minBookingMinutes: 30,
    maxBookingMinutes: 600,
    checkInGraceMinutes: 15,
    autoReleaseNoShows: true,
  },
  privacy: { showNamesOnKiosk: false, anonymiseBookingsAfterDays: 30, readingRetentionDays: 30 },
};

const kiosk = { id: "k-1", name: "Lobby kiosk", hash: "a".repeat(64), expiresAt: null };

const full = {
  siteId: "hq",
  plans: { revision: "p1", floors: [{ version: 2, plan: plan("floor-1") }] },
  settings,
  kioskCredentials: { revision: "k1", items: [kiosk, { ...kiosk, id: "k-2", expiresAt: 1_800_000_000_000 }] },
  unchanged: [],
};

describe("downlink messages", () => {
  it("accepts a full snapshot and one with unchanged parts left out", () => {
    const parsed = DownlinkSnapshot.parse(full);
    expect(parsed.plans?.floors[0]?.plan.desks[0]?.label).toBe("A1");
    expect(parsed.kioskCredentials?.items).toHaveLength(2);
    expect(
      DownlinkSnapshot.safeParse({ siteId: "hq", settings, unchanged: ["plans", "kioskCredentials"] }).success,
    ).toBe(true);
  });

  it.each([
    [
      "a kiosk secret in place of a hash",
      { ...full, kioskCredentials: { revision: "k1", items: [{ ...kiosk, hash: "dsk_kiosk_secret" }] } },
    ],
    [
      "an upper-case hash",
      { ...full, kioskCredentials: { revision: "k1", items: [{ ...kiosk, hash: "A".repeat(64) }] } },
    ],
    [
      "a revoked flag (unknown key)",
      { ...full, kioskCredentials: { revision: "k1", items: [{ ...kiosk, revokedAt: 1 }] } },
    ],
    ["a credential twice", { ...full, kioskCredentials: { revision: "k1", items: [kiosk, kiosk] } }],
    [
      "another site's plan",
      { ...full, plans: { revision: "p1", floors: [{ version: 1, plan: plan("floor-1", "branch") }] } },
    ],
    [
      "a floor twice",
      {
        ...full,
        plans: {
          revision: "p1",
          floors: [
            { version: 1, plan: plan("f") },
            { version: 2, plan: plan("f") },
          ],
        },
      },
    ],
    [
      "an invalid floor plan",
      { ...full, plans: { revision: "p1", floors: [{ version: 1, plan: { ...plan("f"), width: -1 } }] } },
    ],
    ["version 0", { ...full, plans: { revision: "p1", floors: [{ version: 0, plan: plan("f") }] } }],
    ["a part both sent and unchanged", { ...full, unchanged: ["settings"] }],
    ["a part listed twice as unchanged", { siteId: "hq", unchanged: ["plans", "plans"] }],
    ["an unknown time zone", { ...full, settings: { ...settings, site: { name: "HQ", timeZone: "Mars/Olympus" } } }],
    [
      "a privacy setting the edge has no business with",
      { ...full, settings: { ...settings, privacy: { ...settings.privacy, allowSelfAnonymise: true } } },
    ],
    ["a bad revision", { ...full, plans: { revision: "p 1", floors: [] } }],
    ["an unknown key", { ...full, bookings: [] }],
    ["no unchanged list", { siteId: "hq", settings }],
  ])("rejects a snapshot with %s", (_name, snapshot) => {
    expect(DownlinkSnapshot.safeParse(snapshot).success).toBe(false);
  });

  it("validates change notices", () => {
    expect(DownlinkChanged.safeParse({ siteId: "hq", revisions: { plans: "abc_-1" } }).success).toBe(true);
    expect(DownlinkChanged.safeParse({ siteId: "hq", revisions: {} }).success).toBe(false);
    expect(DownlinkChanged.safeParse({ siteId: "hq", revisions: { bookings: "x" } }).success).toBe(false);
    expect(DownlinkChanged.safeParse({ siteId: "a/b", revisions: { plans: "x" } }).success).toBe(false);
    expect(DownlinkChanged.safeParse({ siteId: "hq", revisions: { plans: "x".repeat(65) } }).success).toBe(false);
  });

  it("validates snapshot requests", () => {
    expect(DownlinkSnapshotRequest.safeParse({ siteId: "hq" }).success).toBe(true);
    expect(
      DownlinkSnapshotRequest.safeParse({ siteId: "hq", parts: ["plans", "kioskCredentials"], known: { plans: "p1" } })
        .success,
    ).toBe(true);
    expect(DownlinkSnapshotRequest.safeParse({ siteId: "hq", parts: [] }).success).toBe(false);
    expect(DownlinkSnapshotRequest.safeParse({ siteId: "hq", parts: ["plans", "plans"] }).success).toBe(false);
    expect(DownlinkSnapshotRequest.safeParse({ siteId: "hq", parts: ["bookings"] }).success).toBe(false);
    expect(DownlinkSnapshotRequest.safeParse({ parts: ["plans"] }).success).toBe(false);
    expect(DownlinkSnapshotRequest.safeParse({ siteId: "hq", extra: true }).success).toBe(false);
  });
});
