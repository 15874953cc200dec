import type { DeviceProfile, OccupancySettings } from "@desksharing/protocol";
import { PROFILE_HEARTBEAT_MS } from "@desksharing/protocol";

export type Availability = "unknown" | "online" | "offline";

/** What the edge knows about one provisioned sensor. Times are virtual. */
export interface DeviceState {
  deviceId: string;
  kind: "desk" | "room";
  profile: DeviceProfile;
  targetId: string;
  floorId: string;
  /** Boot the device announced (status) or first reported; readings of another boot are suspect. */
  boot: string | null;
  /** Device time the current boot was announced or first seen. */
  bootTs: number | null;
  availability: Availability;
  lastSeen: number | null;
  battery: number | null;
}

export type AvailabilityRules = Pick<OccupancySettings, "heartbeatMisses">;

export function initialDevice(
  deviceId: string,
  kind: "desk" | "room",
  profile: DeviceProfile,
  targetId: string,
  floorId: string,
): DeviceState {
  return {
    deviceId,
    kind,
    profile,
    targetId,
    floorId,
    boot: null,
    bootTs: null,
    availability: "unknown",
    lastSeen: null,
    battery: null,
  };
}

/** How long a device may stay silent before it counts as offline. */
export function silenceLimitMs(device: DeviceState, rules: AvailabilityRules): number {
  return rules.heartbeatMisses * PROFILE_HEARTBEAT_MS[device.profile];
}

/** An online device that has been silent longer than its allowed heartbeat misses. */
export function isSilent(device: DeviceState, now: number, rules: AvailabilityRules): boolean {
  return (
    device.availability === "online" &&
    device.lastSeen !== null &&
    now - device.lastSeen > silenceLimitMs(device, rules)
  );
}

export function isLowBattery(device: DeviceState, lowBatteryPercent: number): boolean {
  return device.battery !== null && device.battery < lowBatteryPercent;
}

/** A target is offline when it has sensors and every one of them is known to be offline. */
export function targetOffline(devices: readonly DeviceState[]): boolean {
  return devices.length > 0 && devices.every((device) => device.availability === "offline");
}
