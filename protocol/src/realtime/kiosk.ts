import { z } from "zod";

import type { Ack } from "../envelope.js";
import { FloorPlan } from "../floor-plan.js";
import { SiteId } from "../ids.js";
import { DeskState, RoomState } from "../occupancy.js";

/** socket.io namespace between the edge and its kiosks. */
export const KIOSK_NAMESPACE = "/kiosk";

/** Handshake `auth` of a kiosk: its own credential (never in the query string). */
export const KioskAuth = z.strictObject({
  token: z.string().min(16).max(512),
  protocolVersion: z.number().int().positive(),
});
export type KioskAuth = z.infer<typeof KioskAuth>;

/**
 * Full state of the site. `seq` is the number of the last delta folded into it; the next delta carries `seq + 1`.
 * A receiver that sees a gap asks for a new snapshot with `floor:resync`.
 */
export const KioskSnapshot = z.strictObject({
  siteId: SiteId,
  siteName: z.string().min(1).max(128),
  seq: z.number().int().nonnegative(),
  /** Gateway time of the snapshot (ms since epoch). */
  at: z.number().int().nonnegative(),
  plans: z.array(FloorPlan),
  desks: z.array(DeskState),
  rooms: z.array(RoomState),
});
export type KioskSnapshot = z.infer<typeof KioskSnapshot>;

/** Changed desks and rooms since the previous delta. */
export const KioskDelta = z.strictObject({
  seq: z.number().int().positive(),
  at: z.number().int().nonnegative(),
  desks: z.array(DeskState),
  rooms: z.array(RoomState),
});
export type KioskDelta = z.infer<typeof KioskDelta>;

export interface KioskServerToClientEvents {
  "floor:snapshot": (snapshot: KioskSnapshot) => void;
  "floor:delta": (delta: KioskDelta) => void;
}

export interface KioskClientToServerEvents {
  "floor:resync": (ack: (reply: Ack<KioskSnapshot>) => void) => void;
}
