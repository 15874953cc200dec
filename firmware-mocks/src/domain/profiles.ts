import { type DeviceProfile, PROFILE_HEARTBEAT_MS } from "@desksharing/protocol";

import type { Random } from "../random.js";
import { type Interval, MINUTE_MS, type Movement } from "./office-day.js";

/**
 * How each simulated device model turns the truth (presence, door movements) into reports, after the vendors in
 * shared/reference/edge.md. Pure: a day's plan depends only on its inputs and the seeded stream.
 */

export interface PlannedReport {
  /** Virtual time of the report (the reading's `ts`). */
  at: number;
  occupied?: boolean;
  count?: number;
  /** True when the value differs from the previous report (an event), false for a heartbeat. */
  change: boolean;
}

/** Per-device constants drawn once from the device's seeded stream. */
export interface DeviceTraits {
  fw: string;
  /** Battery in percent when the fleet starts. */
  startBattery: number;
  /** Percent per virtual day, plus a little per message. */
  drainPerDay: number;
  rssiBase: number;
  /** Offset of the device's periodic reports within its interval. */
  phaseMs: number;
  /** PIR: how long without motion before the sensor reports free (its absence timer). */
  pirHoldMs: number;
  /** Desk: chance of being used on a full-attendance day. */
  popularity: number;
  /** Spontaneous reboots per virtual day. */
  rebootsPerDay: number;
}

interface ProfileSpec {
  firmware: readonly [current: string, previous: string];
  drainPerDay: number;
  intervalMs: number;
}

const PROFILE_SPECS: Record<DeviceProfile, ProfileSpec> = {
  "pir-desk": { firmware: ["pir-2.4.1", "pir-2.3.7"], drainPerDay: 0.04, intervalMs: PROFILE_HEARTBEAT_MS["pir-desk"] },
  "thermal-desk": {
    firmware: ["thermal-1.9.0", "thermal-1.8.2"],
    drainPerDay: 0.06,
    intervalMs: PROFILE_HEARTBEAT_MS["thermal-desk"],
  },
  "room-counter": {
    firmware: ["counter-3.1.2", "counter-3.0.9"],
    drainPerDay: 0.1,
    intervalMs: PROFILE_HEARTBEAT_MS["room-counter"],
  },
};

/** Battery cost of one radio message, in percent. */
export const BATTERY_PER_MESSAGE = 0.0005;
/** PIR sensors are blind this long after a trigger, so a departure is noticed up to this much later. */
export const PIR_BLIND_MS = 60_000;
const PIR_HEARTBEAT_JITTER_MS = MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

export function profileIntervalMs(profile: DeviceProfile): number {
  return PROFILE_SPECS[profile].intervalMs;
}

export function deviceTraits(profile: DeviceProfile, random: Random): DeviceTraits {
  const spec = PROFILE_SPECS[profile];
  return {
    fw: random.chance(0.85) ? spec.firmware[0] : spec.firmware[1],
    startBattery: random.chance(0.06) ? random.between(5, 18) : random.between(55, 100),
    drainPerDay: spec.drainPerDay * random.between(0.8, 1.2),
    rssiBase: random.between(-95, -55),
    phaseMs: Math.round(random.between(0, spec.intervalMs)),
    pirHoldMs: Math.round(random.between(2, 5) * MINUTE_MS),
    popularity: random.between(0.45, 0.95),
    rebootsPerDay: 0.02,
  };
}

export function batteryLevel(traits: DeviceTraits, elapsedMs: number, messages: number): number {
  const level = traits.startBattery - (traits.drainPerDay * elapsedMs) / DAY_MS - BATTERY_PER_MESSAGE * messages;
  return Math.round(Math.min(100, Math.max(0, level)) * 10) / 10;
}

export function rssiSample(traits: DeviceTraits, random: Random): number {
  return Math.round(Math.min(-30, Math.max(-120, random.normal(traits.rssiBase, 2.5))));
}

/** Inserts heartbeats repeating the last value wherever a device has been quiet for its interval. */
function withHeartbeats(
  changes: readonly PlannedReport[],
  window: Interval,
  intervalMs: number,
  firstAt: number,
  initial: Omit<PlannedReport, "at" | "change">,
  jitter: () => number,
): PlannedReport[] {
  const reports: PlannedReport[] = [];
  let value = initial;
  let next = firstAt;
  for (const change of changes) {
    for (; next < change.at; next += intervalMs + jitter()) reports.push({ ...value, at: next, change: false });
    reports.push(change);
    value = { occupied: change.occupied, count: change.count };
    next = change.at + intervalMs + jitter();
  }
  for (; next < window.to; next += intervalMs + jitter()) reports.push({ ...value, at: next, change: false });
  return reports.filter((report) => report.at >= window.from && report.at < window.to);
}

function mergeCloserThan(intervals: readonly Interval[], gapMs: number): Interval[] {
  const merged: Interval[] = [];
  for (const interval of intervals) {
    const last = merged.at(-1);
    if (last !== undefined && interval.from - last.to < gapMs) last.to = Math.max(last.to, interval.to);
    else merged.push({ ...interval });
  }
  return merged;
}

/**
 * Event-driven PIR desk sensor: occupied within ~2 s of a person sitting down; free once its absence timer ran out
 * after the last motion (plus up to the 60 s blind time); heartbeats about every 15 minutes repeat the last value.
 * Absences shorter than the timer are never reported.
 */
export function planPirDesk(
  presence: readonly Interval[],
  window: Interval,
  traits: DeviceTraits,
  random: Random,
): PlannedReport[] {
  const changes: PlannedReport[] = [];
  for (const stay of mergeCloserThan(presence, traits.pirHoldMs + PIR_BLIND_MS)) {
    changes.push({ at: stay.from + Math.round(random.between(300, 2_000)), occupied: true, change: true });
    const freeAt = stay.to + traits.pirHoldMs + Math.round(random.between(0, PIR_BLIND_MS));
    changes.push({ at: freeAt, occupied: false, change: true });
  }
  const jitter = (): number => Math.round(random.between(-PIR_HEARTBEAT_JITTER_MS, PIR_HEARTBEAT_JITTER_MS));
  return withHeartbeats(
    changes,
    window,
    PROFILE_SPECS["pir-desk"].intervalMs,
    window.from + (traits.phaseMs % PROFILE_SPECS["pir-desk"].intervalMs),
    { occupied: false },
    jitter,
  );
}

/** Periodic reports at the device's phase within each interval, each carrying the value `valueAt` gives. */
function periodic(
  window: Interval,
  intervalMs: number,
  phaseMs: number,
  valueAt: (at: number) => Omit<PlannedReport, "at" | "change">,
): PlannedReport[] {
  const reports: PlannedReport[] = [];
  let previous: string | undefined;
  for (let at = window.from + (phaseMs % intervalMs); at < window.to; at += intervalMs) {
    const value = valueAt(at);
    const key = JSON.stringify(value);
    reports.push({ ...value, at, change: previous !== undefined && key !== previous });
    previous = key;
  }
  return reports;
}

/**
 * Thermal desk sensor: reports every 5 minutes on a fixed schedule; it sees a person 5–10 minutes after they sit
 * down and stops seeing them 5–10 minutes after they leave, so short absences vanish in the warm seat.
 */
export function planThermalDesk(
  presence: readonly Interval[],
  window: Interval,
  traits: DeviceTraits,
  random: Random,
): PlannedReport[] {
  const sensed = presence
    .map((stay) => ({
      from: stay.from + Math.round(random.between(5, 10) * MINUTE_MS),
      to: stay.to + Math.round(random.between(5, 10) * MINUTE_MS),
    }))
    .filter((stay) => stay.from < stay.to);
  const occupiedAt = (at: number): boolean => sensed.some((stay) => stay.from <= at && at < stay.to);
  return periodic(window, PROFILE_SPECS["thermal-desk"].intervalMs, traits.phaseMs, (at) => ({
    occupied: occupiedAt(at),
  }));
}

/** Room people counter: counts each person through the door within a second, plus a report every 5 minutes. */
export function planRoomCounter(
  movements: readonly Movement[],
  window: Interval,
  traits: DeviceTraits,
  random: Random,
): PlannedReport[] {
  let count = 0;
  let previousAt = -Infinity;
  // Reports leave in counting order even when two people pass the door within the counter's latency.
  const changes: PlannedReport[] = movements.map((movement) => {
    count = Math.max(0, count + movement.delta);
    previousAt = Math.max(previousAt + 1, movement.at + Math.round(random.between(200, 1_000)));
    return { at: previousAt, count, change: true };
  });
  const countAt = (at: number): number => changes.findLast((report) => report.at <= at)?.count ?? 0;
  const ticks = periodic(window, PROFILE_SPECS["room-counter"].intervalMs, traits.phaseMs, (at) => ({
    count: countAt(at),
  })).map((tick) => ({ ...tick, change: false }));
  return [...changes, ...ticks]
    .filter((report) => report.at >= window.from && report.at < window.to)
    .sort((a, b) => a.at - b.at);
}

/** The value a device believes in at `at`, from its plan (used for the report a device sends when it boots). */
export function valueAt(
  reports: readonly PlannedReport[],
  at: number,
  profile: DeviceProfile,
): { occupied?: boolean; count?: number } {
  const last = reports.findLast((report) => report.at <= at);
  if (profile === "room-counter") return { count: last?.count ?? 0 };
  return { occupied: last?.occupied ?? false };
}
