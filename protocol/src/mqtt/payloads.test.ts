import { describe, expect, it } from "vitest";

import { DeviceReading, DeviceStatus } from "./payloads.js";

const desk = { v: 1, ts: 1_700_000_000_000, seq: 7, boot: "b1", kind: "desk", occupied: true, battery: 88, rssi: -61 };

describe("DeviceReading", () => {
  it("accepts a desk and a room reading", () => {
    expect(DeviceReading.parse(desk)).toEqual(desk);
    expect(DeviceReading.safeParse({ ...desk, kind: "room", occupied: undefined, count: 4 }).success).toBe(true);
  });

  it.each([
    ["unknown key", { ...desk, extra: 1 }],
    ["wrong version", { ...desk, v: 2 }],
    ["negative seq", { ...desk, seq: -1 }],
    ["seq beyond uint32", { ...desk, seq: 2 ** 32 }],
    ["fractional ts", { ...desk, ts: 1.5 }],
    ["string occupied", { ...desk, occupied: "yes" }],
    ["desk without occupied", { ...desk, occupied: undefined }],
    ["room without count", { ...desk, kind: "room", occupied: undefined }],
    ["battery over 100", { ...desk, battery: 101 }],
    ["boot with wildcard", { ...desk, boot: "b+1" }],
    ["unknown kind", { ...desk, kind: "chair" }],
  ])("rejects %s", (_name, payload) => {
    expect(DeviceReading.safeParse(payload).success).toBe(false);
  });
});

describe("DeviceStatus", () => {
  it("accepts a lifecycle message and rejects unknown states and keys", () => {
    const status = { state: "online", boot: "b1", fw: "1.2.0", ts: 1 };
    expect(DeviceStatus.parse(status)).toEqual(status);
    expect(DeviceStatus.safeParse({ ...status, state: "lost" }).success).toBe(false);
    expect(DeviceStatus.safeParse({ ...status, retained: true }).success).toBe(false);
  });
});
