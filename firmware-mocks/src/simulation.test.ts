import { DeviceProfile, PROFILE_HEARTBEAT_MS } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { HOUR_MS, MINUTE_MS } from "./domain/office-day.js";
import { deviceTraits, type PlannedReport } from "./domain/profiles.js";
import { createRandom } from "./random.js";
import { planDeviceDay } from "./simulation.js";

const TUESDAY = new Date(2026, 0, 6).getTime();
const SUNDAY = new Date(2026, 0, 11).getTime();

function plan(profile: DeviceProfile, index: number, dayStart = TUESDAY, seed = 1): PlannedReport[] {
  const deviceId = `${profile}-${index}`;
  return planDeviceDay({
    seed,
    profile,
    deviceId,
    targetId: `target-${index}`,
    capacity: 8,
    traits: deviceTraits(profile, createRandom(seed, deviceId, "traits")),
    dayStart,
  });
}

const occupiedAt = (reports: PlannedReport[], at: number): boolean =>
  reports.findLast((report) => report.at <= at)?.occupied ?? false;

describe("planDeviceDay", () => {
  it("repeats exactly for one seed and differs for another", () => {
    expect(plan("pir-desk", 3)).toEqual(plan("pir-desk", 3));
    expect(plan("pir-desk", 3, TUESDAY, 2)).not.toEqual(plan("pir-desk", 3));
  });

  it("gives a floor of PIR desks a realistic weekday: busy late morning, dip at lunch, empty at night", () => {
    const desks = Array.from({ length: 200 }, (_, i) => plan("pir-desk", i));
    const share = (hours: number): number =>
      desks.filter((reports) => occupiedAt(reports, TUESDAY + hours * HOUR_MS)).length / desks.length;
    expect(share(3)).toBe(0);
    expect(share(10.5)).toBeGreaterThan(0.45);
    expect(share(10.5)).toBeLessThan(0.8);
    expect(share(12.6)).toBeLessThan(share(10.5));
    expect(share(15)).toBeGreaterThan(share(12.6));
    expect(share(21)).toBe(0);
  });

  it("keeps every device talking through a Sunday with heartbeats only", () => {
    for (const profile of DeviceProfile.options) {
      const reports = plan(profile, 1, SUNDAY);
      expect(reports.every((report) => !report.change)).toBe(true);
      expect(reports.length).toBeGreaterThanOrEqual((24 * HOUR_MS) / (PROFILE_HEARTBEAT_MS[profile] + MINUTE_MS));
    }
  });

  it("lets two sensors of one desk see the same person", () => {
    const traits = deviceTraits("pir-desk", createRandom(1));
    const sensor = (deviceId: string): PlannedReport[] =>
      planDeviceDay({
        seed: 1,
        profile: "pir-desk",
        deviceId,
        targetId: "desk-1",
        capacity: 1,
        traits,
        dayStart: TUESDAY,
      });
    const first = sensor("pir-a").filter((report) => report.change && report.occupied);
    const second = sensor("pir-b").filter((report) => report.change && report.occupied);
    expect(first.length).toBe(second.length);
    first.forEach((report, i) => expect(Math.abs(report.at - (second[i]?.at ?? 0))).toBeLessThan(2_000));
  });

  it("keeps room counts within the room's capacity", () => {
    for (let room = 0; room < 20; room++) {
      const counts = plan("room-counter", room).map((report) => report.count ?? 0);
      expect(Math.max(...counts)).toBeLessThanOrEqual(8);
      expect(Math.max(...counts)).toBeGreaterThan(0);
    }
  });
});
