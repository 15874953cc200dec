import { z } from "zod";

import type { Ack } from "../envelope.js";
import { DeviceId, SiteId } from "../ids.js";
import { DeviceLifecycle } from "../mqtt/payloads.js";
import { DeskState, RoomState } from "../occupancy.js";
import type { GatewayClientToServerEvents, LiveClientToServerEvents, LiveServerToClientEvents } from "./cloud.js";
import type { GatewayUplinkEvents } from "./gateway-link.js";

/** A device's availability at a site as the cloud last heard it from the site's gateway (event time, ms). */
export const DeviceAvailabilityState = z.strictObject({
  deviceId: DeviceId,
  availability: z.enum(["online", "offline", "unknown"]),
  lifecycle: DeviceLifecycle.nullable(),
  battery: z.number().min(0).max(100).nullable(),
  at: z.number().int().nonnegative(),
});
export type DeviceAvailabilityState = z.infer<typeof DeviceAvailabilityState>;

/** Current occupancy of one site: the REST answer and the snapshot a browser gets when it subscribes. */
export const SiteOccupancy = z.strictObject({
  siteId: SiteId,
  desks: z.array(DeskState),
  rooms: z.array(RoomState),
  devices: z.array(DeviceAvailabilityState),
});
export type SiteOccupancy = z.infer<typeof SiteOccupancy>;

/**
 * What changed in a site's current state through one uplink batch (only what changed, each entry the full new
 * state). Historical back-fill never produces one.
 */
export const OccupancyChanged = SiteOccupancy;
export type OccupancyChanged = SiteOccupancy;

/** A browser asks for one site's changes, or (no siteId) for every site it may see; the ack carries the snapshots. */
export const LiveSubscribeRequest = z.strictObject({ siteId: SiteId.optional() });
export type LiveSubscribeRequest = z.infer<typeof LiveSubscribeRequest>;

export const LiveSubscribeResult = z.strictObject({ sites: z.array(SiteOccupancy) });
export type LiveSubscribeResult = z.infer<typeof LiveSubscribeResult>;

export interface LiveOccupancyServerToClientEvents extends LiveServerToClientEvents {
  "occupancy:changed": (event: OccupancyChanged) => void;
}

export interface LiveOccupancyClientToServerEvents extends LiveClientToServerEvents {
  "live:subscribe": (request: LiveSubscribeRequest, ack: (reply: Ack<LiveSubscribeResult>) => void) => void;
}

/** Everything a gateway may send on `/gateway`: plan requests and the uplink of its outbox. */
export interface GatewayLinkClientToServerEvents extends GatewayClientToServerEvents, GatewayUplinkEvents {}
