import { describe, expect, it } from "vitest";

import type { DeviceState } from "./devices.js";
import { initialDevice, isLowBattery, isSilent, targetOffline } from "./devices.js";

const rules = { heartbeatMisses: 3 };

function device(change: Partial<DeviceState> = {}): DeviceState {
  return { ...initialDevice("pir-1", "desk", "pir-desk", "d-1", "f1"), ...change };
}

describe("device availability", () => {
  it("turns an online device offline after more than k heartbeat intervals of silence", () => {
    const online = device({ availability: "online", lastSeen: 0 });
    expect(isSilent(online, 45 * 60_000, rules)).toBe(false);
    expect(isSilent(online, 45 * 60_000 + 1, rules)).toBe(true);
    expect(isSilent({ ...online, profile: "thermal-desk" }, 15 * 60_000 + 1, rules)).toBe(true);
    expect(isSilent(device(), 10 ** 12, rules)).toBe(false);
  });

  it("calls a target offline only when every one of its sensors is offline", () => {
    expect(targetOffline([])).toBe(false);
    expect(targetOffline([device({ availability: "offline" })])).toBe(true);
    expect(targetOffline([device({ availability: "offline" }), device({ availability: "online" })])).toBe(false);
  });

  it("flags low battery under the configured percentage", () => {
    expect(isLowBattery(device({ battery: 14 }), 15)).toBe(true);
    expect(isLowBattery(device({ battery: 15 }), 15)).toBe(false);
    expect(isLowBattery(device(), 15)).toBe(false);
  });
});
