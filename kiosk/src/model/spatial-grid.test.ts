import { describe, expect, it } from "vitest";

import { SpatialGrid, deskBounds } from "./spatial-grid.js";

const desk = (id: string, x: number, y: number, rotation = 0) => ({ id, x, y, width: 160, height: 80, rotation });

describe("desk bounds", () => {
  it("is the rectangle itself without rotation", () => {
    expect(deskBounds(desk("a", 100, 50))).toEqual({ x0: 100, y0: 50, x1: 260, y1: 130 });
  });

  it("swaps width and depth at a quarter turn around the centre", () => {
    const box = deskBounds(desk("a", 100, 50, 90));
    expect(box.x0).toBeCloseTo(140);
    expect(box.x1).toBeCloseTo(220);
    expect(box.y0).toBeCloseTo(10);
    expect(box.y1).toBeCloseTo(170);
  });
});

describe("spatial grid", () => {
  const grid = new SpatialGrid(
    [desk("a", 0, 0), desk("b", 160, 0), desk("c", 0, 80), desk("far", 5000, 5000), desk("edge", 990, 990)],
    500,
  );

  it("finds the desks overlapping a region, including neighbours sharing an edge region", () => {
    expect(grid.query({ x0: 150, y0: 10, x1: 170, y1: 20 }).sort()).toEqual(["a", "b"]);
    expect(grid.query({ x0: 0, y0: 0, x1: 320, y1: 160 }).sort()).toEqual(["a", "b", "c"]);
    expect(grid.query({ x0: 4000, y0: 4000, x1: 4100, y1: 4100 })).toEqual([]);
  });

  it("finds a desk spanning several cells once", () => {
    expect(grid.query({ x0: 900, y0: 900, x1: 1200, y1: 1200 })).toEqual(["edge"]);
  });
});
