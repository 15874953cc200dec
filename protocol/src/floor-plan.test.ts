import { describe, expect, it } from "vitest";

import { FloorPlan, sensorsOfPlan } from "./floor-plan.js";

const plan = {
  schemaVersion: 1,
  siteId: "hq",
  floorId: "f1",
  name: "First floor",
  level: 1,
  width: 2000,
  height: 1000,
  zones: [{ id: "z-a", name: "Team A", colour: "#88aaff", x: 0, y: 0, width: 1000, height: 1000 }],
  rooms: [{ id: "r-1", label: "Rhine", capacity: 6, x: 1200, y: 0, width: 500, height: 400, sensorIds: ["cnt-1"] }],
  desks: [
    { id: "d-1", label: "A-01", x: 100, y: 100, width: 160, height: 80, zoneId: "z-a", sensorIds: ["pir-1"] },
    { id: "d-2", label: "A-02", x: 300, y: 100, width: 160, height: 80, sensorIds: ["pir-2"] },
  ],
};

describe("FloorPlan", () => {
  it("accepts a valid plan and fills defaults", () => {
    const parsed = FloorPlan.parse(plan);
    expect(parsed.walls).toEqual([]);
    expect(parsed.desks[0]?.rotation).toBe(0);
    expect(parsed.desks[0]?.accessible).toBe(false);
  });

  it("lists the sensors the plan ties to desks and rooms", () => {
    expect(sensorsOfPlan(FloorPlan.parse(plan)).map((s) => [s.deviceId, s.kind, s.targetId])).toEqual([
      ["pir-1", "desk", "d-1"],
      ["pir-2", "desk", "d-2"],
      ["cnt-1", "room", "r-1"],
    ]);
  });

  it.each([
    ["a desk outside the floor", { desks: [{ ...plan.desks[0], x: 1950 }] }, /outside the floor/],
    ["a duplicate label", { desks: [plan.desks[0], { ...plan.desks[1], label: "A-01" }] }, /duplicate desk label/],
    ["a duplicate id", { desks: [plan.desks[0], { ...plan.desks[1], id: "d-1" }] }, /duplicate id/],
    ["a sensor used twice", { desks: [plan.desks[0], { ...plan.desks[1], sensorIds: ["pir-1"] }] }, /used twice/],
    ["an unknown zone", { desks: [{ ...plan.desks[0], zoneId: "nope" }] }, /unknown zone/],
    ["an unknown key", { colour: "red" }, /Unrecognized key/],
    ["a wrong schema version", { schemaVersion: 2 }, /expected 1/],
  ])("rejects %s", (_name, change, message) => {
    const result = FloorPlan.safeParse({ ...plan, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.message).toMatch(message);
  });
});
