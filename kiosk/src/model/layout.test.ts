import type { DeskState, FloorPlan } from "@desksharing/protocol";
import { FloorPlan as FloorPlanSchema } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { chooseFloor, countStatuses, deskLabelLayout, desksByLabel, formatHhMm, sortFloors } from "./layout.js";

function floor(floorId: string, level: number, desks: { id: string; label: string }[] = []): FloorPlan {
  return FloorPlanSchema.parse({
    schemaVersion: 1,
    siteId: "hq",
    floorId,
    name: `Floor ${floorId}`,
    level,
    width: 2000,
    height: 1000,
    desks: desks.map((desk, i) => ({ ...desk, x: 10 + i * 200, y: 10, width: 160, height: 80 })),
  });
}

describe("floor choice", () => {
  const plans = [floor("f2", 2), floor("b1", -1), floor("f0", 0)];

  it("orders floors by level", () => {
    expect(sortFloors(plans).map((plan) => plan.floorId)).toEqual(["b1", "f0", "f2"]);
  });

  it("takes the requested floor, then the current one, then the ground floor", () => {
    expect(chooseFloor(plans, "f2", "b1")?.floorId).toBe("f2");
    expect(chooseFloor(plans, "nope", "b1")?.floorId).toBe("b1");
    expect(chooseFloor(plans, null, "gone")?.floorId).toBe("f0");
    expect(chooseFloor([floor("f3", 3), floor("f1", 1)], null, null)?.floorId).toBe("f1");
    expect(chooseFloor([], null, null)).toBeNull();
  });
});

describe("status counts and desk order", () => {
  const plan = floor("f0", 0, [
    { id: "d10", label: "A-10" },
    { id: "d2", label: "A-2" },
    { id: "d3", label: "B-1" },
  ]);

  it("counts desks without reported state as unknown", () => {
    const desks = new Map<string, DeskState>([
      ["d10", { deskId: "d10", floorId: "f0", status: "occupied", since: 0 }],
      ["d2", { deskId: "d2", floorId: "f0", status: "free", since: 0 }],
    ]);
    expect(countStatuses(plan, desks)).toEqual({ free: 1, occupied: 1, "pending-free": 0, offline: 0, unknown: 1 });
  });

  it("sorts labels naturally", () => {
    expect(desksByLabel(plan).map((desk) => desk.label)).toEqual(["A-2", "A-10", "B-1"]);
  });
});

describe("desk label layout", () => {
  it("fits long labels by width and short ones by depth", () => {
    const long = deskLabelLayout({ width: 160, height: 80, rotation: 0, label: "NORTH-WING-0042" });
    expect(long.fontSize * 0.6 * 15).toBeLessThanOrEqual(160 * 0.62 + 1e-9);
    const short = deskLabelLayout({ width: 160, height: 80, rotation: 0, label: "A1" });
    expect(short.fontSize).toBeCloseTo(80 * 0.34);
  });

  it("never draws a label upside down", () => {
    const flip = (rotation: number) => deskLabelLayout({ width: 160, height: 80, rotation, label: "A1" }).flip;
    expect([0, 45, 90, 91, 180, 270, 271, -90, -180].map(flip)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      false,
      true,
      true,
    ]);
  });
});

describe("clock format", () => {
  it("formats 24-hour HH:MM in both languages", () => {
    const at = Date.UTC(2025, 0, 6, 7, 5);
    expect(formatHhMm(at, "de", "UTC")).toBe("07:05");
    expect(formatHhMm(at, "en", "UTC")).toBe("07:05");
    expect(formatHhMm(Date.UTC(2025, 0, 6, 17, 45), "en", "UTC")).toBe("17:45");
  });
});
