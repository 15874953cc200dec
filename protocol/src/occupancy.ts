import { z } from "zod";

import { DeskId, DeviceId, FloorId, RoomId, SiteId } from "./ids.js";
import type { DeviceKind } from "./mqtt/payloads.js";

/**
 * Desk state as decided at the edge (DESIGN §4): `pending-free` means no presence any more but still within the
 * hold time; `offline` means its sensor is known to be gone; `unknown` means nothing trustworthy is known yet.
 */
export const DESK_STATUSES = ["free", "occupied", "pending-free", "offline", "unknown"] as const;
export const DeskStatus = z.enum(DESK_STATUSES);
export type DeskStatus = z.infer<typeof DeskStatus>;

export const ROOM_STATUSES = ["free", "occupied", "offline", "unknown"] as const;
export const RoomStatus = z.enum(ROOM_STATUSES);
export type RoomStatus = z.infer<typeof RoomStatus>;

export const DeskState = z.strictObject({
  deskId: DeskId,
  floorId: FloorId,
  status: DeskStatus,
  /** When the desk entered this status (ms since epoch, event time). */
  since: z.number().int().nonnegative(),
});
export type DeskState = z.infer<typeof DeskState>;

export const RoomState = z.strictObject({
  roomId: RoomId,
  floorId: FloorId,
  status: RoomStatus,
  /** People counted in the room (0 when free, offline or unknown). */
  count: z.number().int().min(0),
  since: z.number().int().nonnegative(),
});
export type RoomState = z.infer<typeof RoomState>;

/** Per-site occupancy rules. Defaults follow the vendors (shared/reference/edge.md). */
export const OccupancySettings = z.strictObject({
  /** A desk without presence turns free after this long. */
  deskHoldMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .default(10 * 60_000),
  /** A room with a zero count turns free after this long. */
  roomHoldMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .default(5 * 60_000),
  /** A device is offline after this many expected heartbeat intervals of silence. */
  heartbeatMisses: z.number().int().min(1).max(100).default(3),
  /** Battery level (percent) under which a device is reported as low. */
  lowBatteryPercent: z.number().min(0).max(100).default(15),
});
export type OccupancySettings = z.infer<typeof OccupancySettings>;

export const DEVICE_PROFILES = ["pir-desk", "thermal-desk", "room-counter"] as const;
export const DeviceProfile = z.enum(DEVICE_PROFILES);
export type DeviceProfile = z.infer<typeof DeviceProfile>;

/** Expected interval between two messages of a quiet, healthy device of each profile. */
export const PROFILE_HEARTBEAT_MS: Record<DeviceProfile, number> = {
  "pir-desk": 15 * 60_000,
  "thermal-desk": 5 * 60_000,
  "room-counter": 5 * 60_000,
};

export const PROFILE_KIND: Record<DeviceProfile, DeviceKind> = {
  "pir-desk": "desk",
  "thermal-desk": "desk",
  "room-counter": "room",
};

/**
 * Device credentials of one site as provisioned by the edge (`npm run provision` writes it to the data directory,
 * mode 0600) and read by the mock fleet. The edge keeps only hashes of the passwords.
 */
export const FleetCredentials = z.strictObject({
  siteId: SiteId,
  devices: z.array(
    z.strictObject({
      deviceId: DeviceId,
      password: z.string().min(16).max(256),
      profile: DeviceProfile,
      /** Desk id or room id the device belongs to. */
      targetId: z.union([DeskId, RoomId]),
      floorId: FloorId,
    }),
  ),
});
export type FleetCredentials = z.infer<typeof FleetCredentials>;

/**
 * Which simulated/real device model a sensor id denotes. Convention of the floor plans: room sensors are people
 * counters; desk sensors whose id starts with `thermal-` are thermal sensors, all other desk sensors are PIR sensors.
 */
export function deviceProfileOf(deviceId: string, kind: DeviceKind): DeviceProfile {
  if (kind === "room") return "room-counter";
  return deviceId.startsWith("thermal-") ? "thermal-desk" : "pir-desk";
}
