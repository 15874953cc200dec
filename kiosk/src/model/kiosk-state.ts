import type { DeskState, FloorPlan, KioskDelta, KioskSnapshot, RoomState } from "@desksharing/protocol";

import { observeSiteClock, siteTime, type SiteClock } from "./site-clock.js";

/**
 * Where the kiosk stands with its edge. Only `live` means the shown state is current; every other value means
 * the plan (if any) is drawn as stale.
 */
export type ConnectionPhase =
  | "connecting"
  | "live"
  /** Connected, but a gap in the delta numbers was seen and a new snapshot is on its way. */
  | "resyncing"
  | "lost"
  | "unauthorised"
  | "incompatible";

export interface KioskState {
  phase: ConnectionPhase;
  siteId: string | null;
  siteName: string | null;
  plans: readonly FloorPlan[];
  desks: ReadonlyMap<string, DeskState>;
  rooms: ReadonlyMap<string, RoomState>;
  /** Number of the last delta folded in; -1 before the first snapshot. */
  seq: number;
  /**
   * Kiosk clock (ms) at which the shown state was last known to be the edge's: the last message or heartbeat
   * received. null before the first snapshot.
   */
  confirmedAt: number | null;
  /** The gateway's clock as learnt from the messages; null before the first snapshot. */
  clock: SiteClock | null;
}

export const INITIAL_KIOSK_STATE: KioskState = {
  phase: "connecting",
  siteId: null,
  siteName: null,
  plans: [],
  desks: new Map(),
  rooms: new Map(),
  seq: -1,
  confirmedAt: null,
  clock: null,
};

export function hasPlan(state: KioskState): boolean {
  return state.seq >= 0;
}

/** Stale state is never shown as fresh: anything but a live connection with a snapshot is stale. */
export function isStale(state: KioskState): boolean {
  return state.phase !== "live" || !hasPlan(state);
}

/** Site time at kiosk time `local`, or the kiosk's own time before the edge has said anything. */
export function siteTimeAt(state: KioskState, local: number): number {
  const site = state.clock === null ? local : siteTime(state.clock, local);
  return Number.isFinite(site) && Math.abs(site) <= MAX_DATE_MS ? site : local;
}

/** The largest time a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

export function applySnapshot(state: KioskState, snapshot: KioskSnapshot, now: number): KioskState {
  return {
    ...state,
    clock: observeSiteClock(state.clock, { local: now, site: snapshot.at }),
    phase: "live",
    siteId: snapshot.siteId,
    siteName: snapshot.siteName,
    plans: snapshot.plans,
    desks: new Map(snapshot.desks.map((desk) => [desk.deskId, desk])),
    rooms: new Map(snapshot.rooms.map((room) => [room.roomId, room])),
    seq: snapshot.seq,
    confirmedAt: now,
  };
}

export type DeltaOutcome =
  | { kind: "applied"; state: KioskState }
  /** A delta already folded in (or older); nothing changes. */
  | { kind: "ignored"; state: KioskState }
  /** Deltas were missed: the caller asks the edge for a new snapshot. */
  | { kind: "gap"; state: KioskState };

export function applyDelta(state: KioskState, delta: KioskDelta, now: number): DeltaOutcome {
  // Before a snapshot, while resyncing or offline there is no base to fold a delta into.
  if (state.phase !== "live" || !hasPlan(state)) return { kind: "ignored", state };
  if (delta.seq <= state.seq) return { kind: "ignored", state };
  if (delta.seq !== state.seq + 1) return { kind: "gap", state: { ...state, phase: "resyncing" } };
  return {
    kind: "applied",
    state: {
      ...state,
      desks: withEntries(state.desks, delta.desks, (desk) => desk.deskId),
      rooms: withEntries(state.rooms, delta.rooms, (room) => room.roomId),
      seq: delta.seq,
      confirmedAt: now,
      clock: observeSiteClock(state.clock, { local: now, site: delta.at }),
    },
  };
}

function withEntries<T>(map: ReadonlyMap<string, T>, changes: readonly T[], key: (item: T) => string) {
  if (changes.length === 0) return map;
  const next = new Map(map);
  for (const item of changes) next.set(key(item), item);
  return next;
}

/** A heartbeat from the edge confirms that the shown state is still current. */
export function confirm(state: KioskState, now: number): KioskState {
  return state.phase === "live" ? { ...state, confirmedAt: now } : state;
}

/** The transport is up again; state stays stale until the edge's snapshot arrives. */
export function connected(state: KioskState): KioskState {
  return { ...state, phase: hasPlan(state) ? "resyncing" : "connecting" };
}

export function connectionLost(state: KioskState): KioskState {
  if (state.phase === "unauthorised" || state.phase === "incompatible") return state;
  return { ...state, phase: "lost" };
}

/** The edge refused this kiosk: whatever was shown before is dropped, nothing of the site stays on screen. */
export function refused(reason: "unauthorised" | "incompatible"): KioskState {
  return { ...INITIAL_KIOSK_STATE, phase: reason };
}
