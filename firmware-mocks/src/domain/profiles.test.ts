import { DeviceProfile, PROFILE_HEARTBEAT_MS } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { createRandom } from "../random.js";
import { HOUR_MS, type Interval, MINUTE_MS } from "./office-day.js";
import {
  batteryLevel,
  type DeviceTraits,
  deviceTraits,
  PIR_BLIND_MS,
  planPirDesk,
  planRoomCounter,
  planThermalDesk,
  type PlannedReport,
  rssiSample,
  valueAt,
} from "./profiles.js";

const DAY = new Date(2026, 0, 6).getTime();
const WINDOW: Interval = { from: DAY, to: DAY + 24 * HOUR_MS };
const at = (h: number): number => DAY + h * HOUR_MS;
const traits: DeviceTraits = { ...deviceTraits("pir-desk", createRandom(1)), phaseMs: 0, pirHoldMs: 4 * MINUTE_MS };

function gaps(reports: readonly PlannedReport[]): number[] {
  return reports.slice(1).map((report, i) => report.at - (reports[i]?.at ?? 0));
}

describe("pir-desk", () => {
  const presence = [
    { from: at(9), to: at(11) },
    { from: at(11) + 2 * MINUTE_MS, to: at(12) }, // a short absence the sensor never reports
    { from: at(13), to: at(17) },
  ];
  const reports = planPirDesk(presence, WINDOW, traits, createRandom(2));
  const changes = reports.filter((report) => report.change);

  it("reports presence within 2 s and absence a few minutes after the person left", () => {
    expect(changes.map((report) => report.occupied)).toEqual([true, false, true, false]);
    expect(changes[0]?.at).toBeGreaterThan(at(9));
    expect(changes[0]?.at).toBeLessThanOrEqual(at(9) + 2_000);
    const freeDelay = (changes[1]?.at ?? 0) - at(12);
    expect(freeDelay).toBeGreaterThanOrEqual(traits.pirHoldMs);
    expect(freeDelay).toBeLessThanOrEqual(traits.pirHoldMs + PIR_BLIND_MS);
  });

  it("sends a heartbeat repeating the current state about every 15 minutes", () => {
    expect(Math.max(...gaps(reports))).toBeLessThanOrEqual(PROFILE_HEARTBEAT_MS["pir-desk"] + MINUTE_MS);
    const heartbeats = reports.filter((report) => !report.change);
    expect(heartbeats.length).toBeGreaterThan(85);
    expect(heartbeats.length).toBeLessThan(100);
    expect(heartbeats.find((report) => report.at > at(10) && report.at < at(11))?.occupied).toBe(true);
    expect(heartbeats.find((report) => report.at > at(20))?.occupied).toBe(false);
    expect(reports.every((report) => report.at >= WINDOW.from && report.at < WINDOW.to)).toBe(true);
  });
});

describe("thermal-desk", () => {
  const reports = planThermalDesk([{ from: at(9), to: at(12) }], WINDOW, traits, createRandom(2));

  it("reports every 5 minutes on a fixed schedule", () => {
    expect(reports).toHaveLength(288);
    expect(new Set(gaps(reports))).toEqual(new Set([5 * MINUTE_MS]));
  });

  it("sees the person 5–10 minutes late in both directions", () => {
    const firstOccupied = reports.find((report) => report.occupied)?.at ?? 0;
    const firstFreeAfter = reports.find((report) => report.at > firstOccupied && !report.occupied)?.at ?? 0;
    expect(firstOccupied - at(9)).toBeGreaterThanOrEqual(5 * MINUTE_MS);
    expect(firstOccupied - at(9)).toBeLessThanOrEqual(15 * MINUTE_MS);
    expect(firstFreeAfter - at(12)).toBeGreaterThanOrEqual(5 * MINUTE_MS);
    expect(firstFreeAfter - at(12)).toBeLessThanOrEqual(15 * MINUTE_MS);
    expect(reports.filter((report) => report.change)).toHaveLength(2);
  });
});

describe("room-counter", () => {
  const movements = [
    { at: at(10), delta: 1 as const },
    { at: at(10) + 100, delta: 1 as const },
    { at: at(10) + 200, delta: 1 as const },
    { at: at(10.9), delta: -1 as const },
    { at: at(11), delta: -1 as const },
    { at: at(11), delta: -1 as const },
  ];
  const reports = planRoomCounter(movements, WINDOW, traits, createRandom(2));

  it("reports each person through the door within a second, in counting order", () => {
    const changes = reports.filter((report) => report.change);
    expect(changes.map((report) => report.count)).toEqual([1, 2, 3, 2, 1, 0]);
    expect(changes[0]?.at).toBeLessThanOrEqual(at(10) + 1_000);
    expect(gaps(changes).every((gap) => gap > 0)).toBe(true);
  });

  it("adds a report every 5 minutes with the current count", () => {
    const ticks = reports.filter((report) => !report.change);
    expect(ticks).toHaveLength(288);
    expect(ticks.find((tick) => tick.at > at(10.5))?.count).toBe(3);
    expect(valueAt(reports, at(10.5), "room-counter")).toEqual({ count: 3 });
    expect(valueAt(reports, at(12), "room-counter")).toEqual({ count: 0 });
  });
});

describe("device traits", () => {
  const all = DeviceProfile.options.flatMap((profile) =>
    Array.from({ length: 500 }, (_, i) => deviceTraits(profile, createRandom(9, profile, i))),
  );

  it("gives each profile its firmware and some devices a low battery", () => {
    expect(new Set(all.map((t) => t.fw.split("-")[0]))).toEqual(new Set(["pir", "thermal", "counter"]));
    const low = all.filter((t) => t.startBattery < 20).length / all.length;
    expect(low).toBeGreaterThan(0.02);
    expect(low).toBeLessThan(0.12);
  });

  it("drains the battery slowly with time and messages", () => {
    const start = batteryLevel(traits, 0, 0);
    const afterMonth = batteryLevel(traits, 30 * 24 * HOUR_MS, 30 * 100);
    expect(afterMonth).toBeLessThan(start);
    expect(start - afterMonth).toBeLessThan(5);
    expect(batteryLevel({ ...traits, startBattery: 1 }, 1e12, 1e6)).toBe(0);
  });

  it("jitters the RSSI around the device's base", () => {
    const random = createRandom(4);
    const samples = Array.from({ length: 200 }, () => rssiSample(traits, random));
    expect(new Set(samples).size).toBeGreaterThan(3);
    for (const rssi of samples) expect(Math.abs(rssi - traits.rssiBase)).toBeLessThan(15);
  });
});
