import { describe, expect, it } from "vitest";

import { deviceProfileOf, FleetCredentials, OccupancySettings } from "./occupancy.js";

describe("occupancy settings", () => {
  it("defaults to the vendors' hold times", () => {
    expect(OccupancySettings.parse({})).toEqual({
      deskHoldMs: 600_000,
      roomHoldMs: 300_000,
      heartbeatMisses: 3,
      lowBatteryPercent: 15,
    });
    expect(OccupancySettings.safeParse({ deskHoldMs: -1 }).success).toBe(false);
  });

  it("derives a device profile from the sensor id and kind", () => {
    expect(deviceProfileOf("thermal-3-001", "desk")).toBe("thermal-desk");
    expect(deviceProfileOf("pir-3-001", "desk")).toBe("pir-desk");
    expect(deviceProfileOf("counter-1", "room")).toBe("room-counter");
  });

  it("rejects fleet credentials with short passwords", () => {
    const device = { deviceId: "pir-1", password: "x".repeat(16), profile: "pir-desk", targetId: "d-1", floorId: "f1" };
    expect(FleetCredentials.safeParse({ siteId: "hq", devices: [device] }).success).toBe(true);
    expect(FleetCredentials.safeParse({ siteId: "hq", devices: [{ ...device, password: "short" }] }).success).toBe(
      false,
    );
  });
});
