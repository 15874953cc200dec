import { createHash } from "node:crypto";

import type { DownlinkSnapshot, FloorPlan } from "@desksharing/protocol";

export const sha256Hex = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export function plan(floorId: string, level: number, name = `Floor ${floorId}`, siteId = "hq"): FloorPlan {
  return {
    schemaVersion: 1,
    siteId,
    floorId,
    name,
    level,
    width: 1000,
    height: 800,
    walls: [],
    zones: [],
    rooms: [],
    desks: [
      {
        id: `${floorId}-d1`,
        label: "A1",
        x: 10,
        y: 10,
        width: 160,
        height: 80,
        rotation: 0,
        sensorIds: [`${floorId}-pir-1`],
        equipment: [],
        accessible: false,
      },
    ],
  };
}

export const settings = (name = "Headquarters"): NonNullable<DownlinkSnapshot["settings"]> => ({
  revision: `s-${name.replace(/[^A-Za-z0-9]/g, "")}`,
  site: { name, timeZone: "Europe/Berlin" },
  bookingRules: {
    maxAdvanceDays: 14,
    maxBookingsPerDay: 1,
    minBookingMinutes: 30,
    maxBookingMinutes: 600,
    checkInGraceMinutes: 15,
    autoReleaseNoShows: true,
  },
  privacy: { showNamesOnKiosk: false, anonymiseBookingsAfterDays: 30, readingRetentionDays: 30 },
});

export const LOBBY_TOKEN = "dsk_kiosk_lobby-secret-0123456789abcdefghijklmnopqrstuvwxyzAB";
export const ENTRANCE_TOKEN = "dsk_kiosk_entrance-secret-0123456789abcdefghijklmnopqrstuvwxy";

export function fullSnapshot(overrides: Partial<DownlinkSnapshot> = {}): DownlinkSnapshot {
  return {
    siteId: "hq",
    plans: {
      revision: "p1",
      floors: [
        { version: 3, plan: plan("floor-2", 2) },
        { version: 1, plan: plan("floor-1", 1) },
      ],
    },
    settings: settings(),
    kioskCredentials: {
      revision: "k1",
      items: [
        { id: "k-lobby", name: "Lobby", hash: sha256Hex(LOBBY_TOKEN), expiresAt: null },
        { id: "k-entrance", name: "Entrance", hash: sha256Hex(ENTRANCE_TOKEN), expiresAt: 2_000_000_000_000 },
      ],
    },
    unchanged: [],
    ...overrides,
  };
}
