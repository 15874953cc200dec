import { z } from "zod";

import type { Ack } from "../envelope.js";
import { DeviceId, Id, SiteId } from "../ids.js";
import { DeviceLifecycle } from "../mqtt/payloads.js";
import { DeskState, RoomState } from "../occupancy.js";

/**
 * Events the edge sends to the cloud on `/gateway` through its durable outbox. Every event has an `id` that is
 * unique across gateways and restarts (`<gatewayInstanceId>:<outbox row id>`, where the instance id is random per
 * edge database), so the cloud stores each event once however often it arrives.
 */
export const UplinkEventId = z.string().regex(/^[A-Za-z0-9_-]{8,64}:[0-9]{1,16}$/, "must be '<instance>:<row id>'");

const EventBase = { id: UplinkEventId, siteId: SiteId, at: z.number().int().nonnegative() };

export const UplinkEvent = z.discriminatedUnion("type", [
  z.strictObject({ ...EventBase, type: z.literal("desk-state"), state: DeskState }),
  z.strictObject({ ...EventBase, type: z.literal("room-state"), state: RoomState }),
  z.strictObject({
    ...EventBase,
    type: z.literal("device-state"),
    deviceId: DeviceId,
    availability: z.enum(["online", "offline", "unknown"]),
    lifecycle: DeviceLifecycle.optional(),
    battery: z.number().min(0).max(100).optional(),
  }),
  z.strictObject({
    ...EventBase,
    type: z.literal("reading"),
    deviceId: DeviceId,
    boot: Id,
    seq: z.number().int().nonnegative(),
    occupied: z.boolean().optional(),
    count: z.number().int().nonnegative().optional(),
    battery: z.number().min(0).max(100).optional(),
    rssi: z.number().int().optional(),
    /** Sent after an outage as back-fill: stored as history, never broadcast as live. */
    historical: z.boolean(),
  }),
]);
export type UplinkEvent = z.infer<typeof UplinkEvent>;

/** Bounded batch; the cloud acknowledges after it has stored every event of it. */
export const UPLINK_MAX_BATCH_EVENTS = 500;
export const UplinkBatch = z.strictObject({
  events: z.array(UplinkEvent).min(1).max(UPLINK_MAX_BATCH_EVENTS),
});
export type UplinkBatch = z.infer<typeof UplinkBatch>;

export const UplinkBatchResult = z.strictObject({
  stored: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
});
export type UplinkBatchResult = z.infer<typeof UplinkBatchResult>;

/** The gateway's view of its link, reported periodically so the cloud can show lag and outbox depth. */
export const GatewayLinkStatus = z.strictObject({
  siteId: SiteId,
  outboxDepth: z.number().int().nonnegative(),
  oldestUnsentAt: z.number().int().nonnegative().nullable(),
  droppedTotal: z.number().int().nonnegative(),
});
export type GatewayLinkStatus = z.infer<typeof GatewayLinkStatus>;

export interface GatewayUplinkEvents {
  "uplink:batch": (batch: UplinkBatch, ack: (reply: Ack<UplinkBatchResult>) => void) => void;
  "uplink:status": (status: GatewayLinkStatus) => void;
}
