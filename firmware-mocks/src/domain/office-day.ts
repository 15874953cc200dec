import type { Random } from "../random.js";

/**
 * The truth the sensors observe: when people sit at desks and sit in meeting rooms on one local calendar day.
 * Pure functions of a seeded random stream and the day's start, so a day can be replayed exactly.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export interface Interval {
  from: number;
  to: number;
}

export interface Meeting extends Interval {
  attendees: number;
}

/** One person walking through a room's door: +1 in, -1 out. */
export interface Movement {
  at: number;
  delta: 1 | -1;
}

export function startOfLocalDay(ms: number): number {
  const date = new Date(ms);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

export function nextLocalDay(dayStart: number): number {
  const date = new Date(dayStart);
  date.setDate(date.getDate() + 1);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** Hybrid work: Tuesday to Thursday are busy, Monday less, Friday least; nobody comes at weekends. */
const WEEKDAY_ATTENDANCE = [0, 0.9, 1.05, 1.05, 1, 0.75, 0] as const;

export function attendanceFactor(dayStart: number): number {
  return WEEKDAY_ATTENDANCE[new Date(dayStart).getDay()] ?? 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** `outer` minus the union of `holes`, as sorted disjoint intervals; fragments under a minute are dropped. */
export function subtractIntervals(outer: Interval, holes: readonly Interval[]): Interval[] {
  const sorted = [...holes].sort((a, b) => a.from - b.from);
  const result: Interval[] = [];
  let cursor = outer.from;
  for (const hole of sorted) {
    if (hole.to <= cursor) continue;
    if (hole.from >= outer.to) break;
    if (hole.from > cursor) result.push({ from: cursor, to: Math.min(hole.from, outer.to) });
    cursor = Math.max(cursor, hole.to);
  }
  if (cursor < outer.to) result.push({ from: cursor, to: outer.to });
  return result.filter((interval) => interval.to - interval.from >= MINUTE_MS);
}

/**
 * When the desk is used on this day. `popularity` (0–1) is the desk's chance of being taken on a full-attendance
 * day; with the weekday factors the office averages about 65 % of desks per weekday. Arrivals spread 07:30–10:30
 * around 09:00, leaving 16:00–18:30, a lunch of about 45 minutes between 11:45 and 13:45, short breaks and meetings.
 */
export function deskOccupancy(random: Random, dayStart: number, popularity: number): Interval[] {
  const attendance = attendanceFactor(dayStart);
  if (attendance === 0 || !random.chance(clamp(popularity * attendance, 0, 1))) return [];
  const at = (hours: number): number => dayStart + Math.round(hours * HOUR_MS);
  const arrive = at(clamp(random.normal(9, 0.6), 7.5, 10.5));
  const leave = at(clamp(random.normal(17.25, 0.6), 16, 18.5));
  const lunchStart = at(random.between(11.75, 12.75));
  const holes: Interval[] = [
    { from: lunchStart, to: lunchStart + Math.round(clamp(random.normal(45, 8), 30, 60) * MINUTE_MS) },
  ];
  const breaks = random.int(1, 3);
  for (let i = 0; i < breaks; i++) {
    const from = Math.round(random.between(arrive + 15 * MINUTE_MS, leave));
    holes.push({ from, to: from + Math.round(random.between(5, 15) * MINUTE_MS) });
  }
  const meetings = random.int(0, 2);
  for (let i = 0; i < meetings; i++) {
    const from = at(9.5 + 0.5 * random.int(0, 14));
    // Nobody goes to a meeting before having sat down first.
    if (from > arrive + 15 * MINUTE_MS) holes.push({ from, to: from + random.pick([30, 60]) * MINUTE_MS });
  }
  return subtractIntervals({ from: arrive, to: leave }, holes);
}

/** Meetings of one room: starting on the half hour 08:30–17:30, back to back at most, never above capacity. */
export function roomMeetings(random: Random, dayStart: number, capacity: number): Meeting[] {
  const attendance = attendanceFactor(dayStart);
  if (attendance === 0) return [];
  const meetings: Meeting[] = [];
  const end = dayStart + 18 * HOUR_MS;
  let cursor = dayStart + 8.5 * HOUR_MS;
  while (cursor < end) {
    if (random.chance(0.4 * attendance)) {
      const to = Math.min(end, cursor + random.pick([30, 30, 60, 60, 90]) * MINUTE_MS);
      const attendees = Math.round(clamp(random.normal(capacity * 0.6, Math.max(1, capacity * 0.25)), 1, capacity));
      meetings.push({ from: cursor, to, attendees });
      cursor = to;
    } else {
      cursor += 30 * MINUTE_MS;
    }
  }
  return meetings;
}

/**
 * People enter during a meeting's first five minutes and leave during its last three, so meetings never overlap
 * at the door and the count stays within the room's capacity.
 */
export function roomMovements(random: Random, meetings: readonly Meeting[]): Movement[] {
  const movements: Movement[] = [];
  for (const meeting of meetings) {
    for (let i = 0; i < meeting.attendees; i++) {
      movements.push({ at: meeting.from + Math.round(random.between(0, 5 * MINUTE_MS)), delta: 1 });
      movements.push({ at: meeting.to - Math.round(random.between(0, 3 * MINUTE_MS)), delta: -1 });
    }
  }
  return movements.sort((a, b) => a.at - b.at || a.delta - b.delta);
}
