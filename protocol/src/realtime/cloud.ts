import { z } from "zod";

import type { Ack } from "../envelope.js";
import { FloorPlan } from "../floor-plan.js";
import { FloorId, SiteId } from "../ids.js";
import type { DownlinkChanged, DownlinkSnapshot, DownlinkSnapshotRequest } from "./downlink.js";

/** socket.io namespace between the cloud and browsers (web console, dashboards). */
export const LIVE_NAMESPACE = "/live";
/** socket.io namespace between the cloud and edge gateways. */
export const GATEWAY_NAMESPACE = "/gateway";

/** Handshake `auth` on the cloud's namespaces: the caller's bearer token (never in the query string). */
export const CloudSocketAuth = z.strictObject({
  token: z.string().min(16).max(4096),
  protocolVersion: z.number().int().positive(),
});
export type CloudSocketAuth = z.infer<typeof CloudSocketAuth>;

/** A floor-plan version became the published one; receivers fetch it when they need the document. */
export const PlanPublished = z.strictObject({
  siteId: SiteId,
  floorId: FloorId,
  version: z.number().int().positive(),
  /** ms since epoch */
  publishedAt: z.number().int().nonnegative(),
});
export type PlanPublished = z.infer<typeof PlanPublished>;

/** A gateway asks for the published floor plans of its site. */
export const PublishedPlansRequest = z.strictObject({ siteId: SiteId });
export type PublishedPlansRequest = z.infer<typeof PublishedPlansRequest>;

export const PublishedPlans = z.strictObject({
  siteId: SiteId,
  plans: z.array(z.strictObject({ version: z.number().int().positive(), plan: FloorPlan })),
});
export type PublishedPlans = z.infer<typeof PublishedPlans>;

export interface LiveServerToClientEvents {
  "plan:published": (event: PlanPublished) => void;
}

export type LiveClientToServerEvents = Record<never, never>;

export interface GatewayServerToClientEvents {
  "plan:published": (event: PlanPublished) => void;
  "downlink:changed": (event: DownlinkChanged) => void;
}

export interface GatewayClientToServerEvents {
  "plans:fetch": (request: PublishedPlansRequest, ack: (reply: Ack<PublishedPlans>) => void) => void;
  "downlink:snapshot": (request: DownlinkSnapshotRequest, ack: (reply: Ack<DownlinkSnapshot>) => void) => void;
}
