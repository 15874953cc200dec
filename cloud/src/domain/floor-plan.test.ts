import { describe, expect, it } from "vitest";

import { FloorPlan } from "@desksharing/protocol";

import { inventoryOf, placementIssues } from "./floor-plan.js";

const plan = FloorPlan.parse({
  schemaVersion: 1,
  siteId: "hq",
  floorId: "floor-1",
  name: "Floor 1",
  level: 1,
  width: 1000,
  height: 800,
  zones: [{ id: "z-a", name: "A", colour: "#336699", x: 0, y: 0, width: 500, height: 400 }],
  rooms: [{ id: "r-1", label: "Spree", capacity: 6, x: 600, y: 0, width: 300, height: 300 }],
  desks: [
    {
      id: "d-1",
      label: "1.A.01",
      x: 10,
      y: 10,
      width: 160,
      height: 80,
      zoneId: "z-a",
      equipment: ["monitor", "monitor"],
    },
    { id: "d-2", label: "1.A.02", x: 200, y: 10, width: 160, height: 80, accessible: true },
  ],
});

describe("placementIssues", () => {
  it("accepts a document for its own site and floor", () => {
    expect(placementIssues(plan, "hq", "floor-1")).toEqual([]);
    expect(placementIssues(plan, "hq")).toEqual([]);
  });

  it("names the site or floor a document belongs to instead", () => {
    expect(placementIssues(plan, "branch", "floor-2").map((issue) => issue.path)).toEqual([
      "body.siteId",
      "body.floorId",
    ]);
  });
});

describe("inventoryOf", () => {
  it("turns zones, desks and rooms into rows, with equipment tags once and the accessibility flag", () => {
    const inventory = inventoryOf(plan);
    expect(inventory.zones).toEqual([{ key: "z-a", name: "A", colour: "#336699" }]);
    expect(inventory.desks).toEqual([
      { key: "d-1", label: "1.A.01", zoneKey: "z-a", equipment: ["monitor"], accessible: false },
      { key: "d-2", label: "1.A.02", zoneKey: null, equipment: [], accessible: true },
    ]);
    expect(inventory.rooms).toEqual([{ key: "r-1", label: "Spree", capacity: 6 }]);
  });
});
