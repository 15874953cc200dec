import { z } from "zod";

import { Id } from "../ids.js";

/** Largest payload the edge accepts on a device topic; bigger messages are dead-lettered as `oversized`. */
export const MAX_DEVICE_PAYLOAD_BYTES = 8 * 1024;

/** Device clocks are trusted within this distance of the gateway clock (Sparkplug TCK uses the same). */
export const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;

export const DEVICE_KINDS = ["desk", "room"] as const;
export const DeviceKind = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof DeviceKind>;

const UINT32_MAX = 0xffff_ffff;

/**
 * One reading on `.../devices/{deviceId}/state` (QoS 1, not retained).
 * `ts` is the device's event time in milliseconds since the epoch; `(deviceId, boot, seq)` identifies it.
 * A desk sensor reports `occupied`, a room counter reports `count`.
 */
export const DeviceReading = z
  .strictObject({
    v: z.literal(1),
    ts: z.number().int().nonnegative(),
    seq: z.number().int().min(0).max(UINT32_MAX),
    boot: Id,
    kind: DeviceKind,
    occupied: z.boolean().optional(),
    count: z.number().int().min(0).max(10_000).optional(),
    battery: z.number().min(0).max(100).optional(),
    rssi: z.number().int().min(-150).max(0).optional(),
    fw: z.string().min(1).max(32).optional(),
  })
  .superRefine((reading, ctx) => {
    if (reading.kind === "desk" && reading.occupied === undefined) {
      ctx.addIssue({ code: "custom", path: ["occupied"], message: "a desk reading needs 'occupied'" });
    }
    if (reading.kind === "room" && reading.count === undefined) {
      ctx.addIssue({ code: "custom", path: ["count"], message: "a room reading needs 'count'" });
    }
  });
export type DeviceReading = z.infer<typeof DeviceReading>;

export const DEVICE_LIFECYCLE_STATES = ["online", "offline", "sleeping"] as const;
export const DeviceLifecycle = z.enum(DEVICE_LIFECYCLE_STATES);
export type DeviceLifecycle = z.infer<typeof DeviceLifecycle>;

/** Retained lifecycle message on `.../devices/{deviceId}/status`; the Last Will publishes `offline`. */
export const DeviceStatus = z.strictObject({
  state: DeviceLifecycle,
  boot: Id,
  fw: z.string().min(1).max(32),
  ts: z.number().int().nonnegative(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;
