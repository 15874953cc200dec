import { describe, expect, it } from "vitest";

import { UplinkBatch, UplinkEvent } from "./gateway-link.js";

const desk = {
  id: "a1b2c3d4e5:42",
  siteId: "hq",
  at: 1_700_000_000_000,
  type: "desk-state",
  state: { deskId: "desk-1", floorId: "f1", status: "occupied", since: 1_700_000_000_000 },
};

describe("uplink events", () => {
  it("accepts a desk state and a historical reading", () => {
    expect(UplinkEvent.parse(desk)).toEqual(desk);
    const { state: _state, ...base } = desk;
    const reading = { ...base, type: "reading", deviceId: "pir-1", boot: "b1", seq: 3 };
    expect(UplinkEvent.safeParse({ ...reading, occupied: true, historical: true }).success).toBe(true);
  });

  it.each([
    ["an id without row number", { ...desk, id: "a1b2c3d4e5" }],
    ["an unknown type", { ...desk, type: "booking" }],
    ["an unknown key", { ...desk, extra: 1 }],
    ["a bad state", { ...desk, state: { ...desk.state, status: "busy" } }],
  ])("rejects %s", (_name, event) => {
    expect(UplinkEvent.safeParse(event).success).toBe(false);
  });

  it("bounds a batch", () => {
    expect(UplinkBatch.safeParse({ events: [] }).success).toBe(false);
    expect(UplinkBatch.safeParse({ events: Array.from({ length: 501 }, () => desk) }).success).toBe(false);
  });
});
