import { describe, expect, it } from "vitest";

import { createRandom } from "../random.js";
import {
  deskOccupancy,
  HOUR_MS,
  type Interval,
  MINUTE_MS,
  nextLocalDay,
  roomMeetings,
  roomMovements,
  startOfLocalDay,
  subtractIntervals,
} from "./office-day.js";

const TUESDAY = new Date(2026, 0, 6).getTime();
const FRIDAY = new Date(2026, 0, 9).getTime();
const SATURDAY = new Date(2026, 0, 10).getTime();
const hours = (dayStart: number, ms: number): number => (ms - dayStart) / HOUR_MS;

function desksOn(dayStart: number, count = 1_000): Interval[][] {
  return Array.from({ length: count }, (_, i) => deskOccupancy(createRandom(1, "desk", i, dayStart), dayStart, 0.7));
}

describe("local days", () => {
  it("finds the start of the local day and the next one", () => {
    const noon = TUESDAY + 12 * HOUR_MS + 5;
    expect(startOfLocalDay(noon)).toBe(TUESDAY);
    expect(nextLocalDay(TUESDAY)).toBe(new Date(2026, 0, 7).getTime());
  });
});

describe("subtractIntervals", () => {
  it("cuts holes out of a stay and drops fragments under a minute", () => {
    const stay = { from: 0, to: 100 * MINUTE_MS };
    const holes = [
      { from: 50 * MINUTE_MS, to: 60 * MINUTE_MS },
      { from: 10 * MINUTE_MS, to: 20 * MINUTE_MS },
      { from: 55 * MINUTE_MS, to: 99.5 * MINUTE_MS },
    ];
    expect(subtractIntervals(stay, holes)).toEqual([
      { from: 0, to: 10 * MINUTE_MS },
      { from: 20 * MINUTE_MS, to: 50 * MINUTE_MS },
    ]);
  });
});

describe("deskOccupancy", () => {
  const tuesday = desksOn(TUESDAY);

  it("uses about two thirds of the desks on a busy weekday, fewer on Friday, none at the weekend", () => {
    const used = tuesday.filter((day) => day.length > 0).length;
    expect(used).toBeGreaterThan(600);
    expect(used).toBeLessThan(800);
    const friday = desksOn(FRIDAY).filter((day) => day.length > 0).length;
    expect(friday).toBeLessThan(used - 100);
    expect(desksOn(SATURDAY).every((day) => day.length === 0)).toBe(true);
  });

  it("has people arrive 07:30–10:30 around 09:00 and leave 16:00–18:30", () => {
    const used = tuesday.filter((day) => day.length > 0);
    const arrivals = used.map((day) => hours(TUESDAY, day[0]?.from ?? 0)).sort((a, b) => a - b);
    const departures = used.map((day) => hours(TUESDAY, day.at(-1)?.to ?? 0));
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual(7.5);
    expect(Math.max(...arrivals)).toBeLessThanOrEqual(10.5);
    expect(arrivals[Math.floor(arrivals.length / 2)]).toBeCloseTo(9, 0);
    expect(Math.max(...departures)).toBeLessThanOrEqual(18.5);
    // Breaks or meetings may end a day early, but most people leave from 16:00.
    expect(departures.filter((h) => h >= 16).length / departures.length).toBeGreaterThan(0.8);
  });

  it("returns sorted, disjoint stays with a lunch break of at least half an hour around noon", () => {
    for (const day of tuesday.filter((stays) => stays.length > 0)) {
      for (let i = 1; i < day.length; i++) expect(day[i]?.from).toBeGreaterThan(day[i - 1]?.to ?? 0);
      const gaps = day.slice(1).map((stay, i) => ({ from: day[i]?.to ?? 0, to: stay.from }));
      const lunch = gaps.some(
        (gap) =>
          gap.to - gap.from >= 30 * MINUTE_MS && hours(TUESDAY, gap.from) < 13.75 && hours(TUESDAY, gap.to) > 11.75,
      );
      expect(lunch).toBe(true);
    }
  });

  it("empties the office at lunch time compared with the late morning", () => {
    const presentAt = (h: number): number =>
      tuesday.filter((day) => day.some((stay) => hours(TUESDAY, stay.from) <= h && h < hours(TUESDAY, stay.to))).length;
    expect(presentAt(10.5)).toBeGreaterThan(450);
    expect(presentAt(12.5)).toBeLessThan(presentAt(10.5) * 0.7);
    expect(presentAt(22)).toBe(0);
  });

  it("repeats exactly for the same seed", () => {
    expect(desksOn(TUESDAY, 50)).toEqual(tuesday.slice(0, 50));
  });
});

describe("rooms", () => {
  it("keeps meetings on weekdays between 08:30 and 18:00 and never above capacity", () => {
    expect(roomMeetings(createRandom(1), SATURDAY, 8)).toEqual([]);
    for (let room = 0; room < 50; room++) {
      const capacity = 1 + (room % 12);
      const random = createRandom(3, room);
      const meetings = roomMeetings(random, TUESDAY, capacity);
      expect(meetings.length).toBeGreaterThan(0);
      for (const meeting of meetings) {
        expect(hours(TUESDAY, meeting.from)).toBeGreaterThanOrEqual(8.5);
        expect(hours(TUESDAY, meeting.to)).toBeLessThanOrEqual(18);
        expect(meeting.attendees).toBeLessThanOrEqual(capacity);
      }
      let count = 0;
      for (const movement of roomMovements(random, meetings)) {
        count += movement.delta;
        expect(count).toBeGreaterThanOrEqual(0);
        expect(count).toBeLessThanOrEqual(capacity);
      }
      expect(count).toBe(0);
    }
  });
});
