import { DESK_STATUSES, ROOM_STATUSES } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { DESK_STATUS_VISUALS, ROOM_STATUS_VISUALS, contrastRatio, deskVisual, roomVisual } from "./desk-visual.js";

describe("desk status visuals", () => {
  it("gives every status its own colour, glyph and text", () => {
    const visuals = DESK_STATUSES.map((status) => DESK_STATUS_VISUALS[status]);
    expect(new Set(visuals.map((v) => v.fill)).size).toBe(DESK_STATUSES.length);
    expect(new Set(visuals.map((v) => v.glyph)).size).toBe(DESK_STATUSES.length);
    expect(new Set(visuals.map((v) => v.textKey)).size).toBe(DESK_STATUSES.length);
  });

  it("keeps text readable on every fill (WCAG AA, 4.5:1)", () => {
    for (const status of DESK_STATUSES) {
      const { fill, ink } = DESK_STATUS_VISUALS[status];
      expect(contrastRatio(fill, ink), status).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("shows a desk without reported state as unknown, not free", () => {
    expect(deskVisual(undefined)).toBe(DESK_STATUS_VISUALS.unknown);
    expect(deskVisual("occupied").textKey).toBe("status.occupied");
    expect(roomVisual(undefined)).toBe(ROOM_STATUS_VISUALS.unknown);
  });

  it("has a visual for every room status", () => {
    for (const status of ROOM_STATUSES) expect(ROOM_STATUS_VISUALS[status].textKey).toBe(`roomStatus.${status}`);
  });

  it("computes contrast like WCAG", () => {
    expect(contrastRatio("#000000", "#FFFFFF")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#777777")).toBeCloseTo(1, 5);
  });
});
