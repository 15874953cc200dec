import type { DeskStatus, OccupancySettings } from "@desksharing/protocol";

/**
 * What the edge knows about one desk or room: the facts from its sensors and the status derived from them.
 * `status` is derived by {@link statusAt}; the facts survive an offline period so a returning sensor restores it.
 */
export interface TargetState {
  kind: "desk" | "room";
  id: string;
  floorId: string;
  /** Rooms only ever take the statuses of `RoomStatus` (never `pending-free`). */
  status: DeskStatus;
  /** Virtual time the target entered `status`. */
  since: number;
  /** Event time of the newest applied reading; older readings are history and never move state. */
  lastTs: number | null;
  /** Presence from the newest applied reading (rooms: count > 0); null until the first reading. */
  present: boolean | null;
  count: number;
  /** Event time presence ended; the hold time runs from here. */
  holdStart: number | null;
  /** Every sensor of the target is offline. */
  offline: boolean;
}

export interface Transition {
  state: TargetState;
  changed: boolean;
}

export type OccupancyRules = Pick<OccupancySettings, "deskHoldMs" | "roomHoldMs">;

export function initialTarget(kind: "desk" | "room", id: string, floorId: string, now: number): TargetState {
  return {
    kind,
    id,
    floorId,
    status: "unknown",
    since: now,
    lastTs: null,
    present: null,
    count: 0,
    holdStart: null,
    offline: false,
  };
}

function holdOf(kind: "desk" | "room", rules: OccupancyRules): number {
  return kind === "desk" ? rules.deskHoldMs : rules.roomHoldMs;
}

/** The status the facts imply at virtual time `now`. */
export function statusAt(target: TargetState, now: number, rules: OccupancyRules): DeskStatus {
  if (target.offline) return "offline";
  if (target.present === null) return "unknown";
  if (target.present) return "occupied";
  if (target.holdStart !== null && now < target.holdStart + holdOf(target.kind, rules)) {
    return target.kind === "desk" ? "pending-free" : "occupied";
  }
  return "free";
}

/**
 * Re-derives the status. `eventAt` is the time the change is attributed to; a hold that expired is attributed to
 * its end rather than to the moment it was noticed (a tick, a late reading, a restart).
 */
function settle(next: TargetState, eventAt: number, now: number, rules: OccupancyRules): Transition {
  const status = statusAt(next, now, rules);
  if (status === next.status) return { state: next, changed: false };
  let since = eventAt;
  if (status === "free" && next.holdStart !== null)
    since = Math.max(eventAt, next.holdStart + holdOf(next.kind, rules));
  if (status === "pending-free" && next.holdStart !== null) since = next.holdStart;
  return { state: { ...next, status, since: Math.max(0, Math.round(since)) }, changed: true };
}

export interface ReadingFacts {
  ts: number;
  occupied?: boolean | undefined;
  count?: number | undefined;
}

/**
 * Applies a reading. A reading older than the newest applied one is history: it changes nothing
 * (`applied: false`). Presence makes a desk occupied at once; its end starts the hold time.
 */
export function applyReading(
  target: TargetState,
  reading: ReadingFacts,
  now: number,
  rules: OccupancyRules,
): Transition & { applied: boolean } {
  if (target.lastTs !== null && reading.ts < target.lastTs) return { state: target, changed: false, applied: false };
  const count = target.kind === "room" ? (reading.count ?? 0) : 0;
  const present = target.kind === "room" ? count > 0 : reading.occupied === true;
  const holdStart = present ? null : target.present === true ? reading.ts : target.holdStart;
  // spelled out rather than spread: this runs for every reading, and spreads cost more than the literal
  const next: TargetState = {
    kind: target.kind,
    id: target.id,
    floorId: target.floorId,
    status: target.status,
    since: target.since,
    lastTs: reading.ts,
    present,
    count,
    holdStart,
    offline: false,
  };
  const settled = settle(next, reading.ts, now, rules);
  const countChanged = target.kind === "room" && target.count !== count;
  return { state: settled.state, changed: settled.changed || countChanged, applied: true };
}

/** Marks the target offline (all of its sensors gone) or back online, at virtual time `at`. */
export function setOffline(
  target: TargetState,
  offline: boolean,
  at: number,
  now: number,
  rules: OccupancyRules,
): Transition {
  if (target.offline === offline) return { state: target, changed: false };
  return settle({ ...target, offline }, at, now, rules);
}

/** Lets hold times run out; called periodically with the current virtual time. */
export function tick(target: TargetState, now: number, rules: OccupancyRules): Transition {
  return settle(target, 0, now, rules);
}

/** People in a room as shown to kiosks: 0 unless the room is occupied. */
export function shownCount(target: TargetState): number {
  return target.status === "occupied" ? target.count : 0;
}
