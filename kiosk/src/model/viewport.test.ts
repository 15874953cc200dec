import { describe, expect, it } from "vitest";

import {
  MAX_PX_PER_CM,
  MAX_ZOOM_OF_FIT,
  MIN_MAX_ZOOM_OF_FIT,
  MIN_ZOOM_OF_FIT,
  PAN_KEEP_VISIBLE_PX,
  fitViewport,
  panBy,
  pinch,
  toPlanPoint,
  wheelZoomFactor,
  zoomAt,
  type Viewport,
} from "./viewport.js";

const plan = { width: 4000, height: 2000 };
const screen = { width: 1920, height: 1080 };

describe("viewport", () => {
  it("fits the whole plan centred with padding", () => {
    const fit = fitViewport(plan, screen, 20);
    expect(fit.scale).toBeCloseTo((1920 - 40) / 4000);
    expect(fit.x).toBeCloseTo(20);
    expect(fit.y + (2000 * fit.scale) / 2).toBeCloseTo(540);
  });

  it("fits a tall plan by its height", () => {
    const fit = fitViewport({ width: 1000, height: 5000 }, { width: 1024, height: 768 }, 0);
    expect(fit.scale).toBeCloseTo(768 / 5000);
    expect(fit.y).toBeCloseTo(0);
  });

  it("keeps the plan point under the cursor while zooming", () => {
    const fit = fitViewport(plan, screen);
    const centre = { x: 700, y: 400 };
    const before = toPlanPoint(fit, centre);
    const zoomed = zoomAt(fit, 2, centre, plan, screen);
    expect(zoomed.scale).toBeCloseTo(fit.scale * 2);
    const after = toPlanPoint(zoomed, centre);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it("limits zoom relative to the fitted scale", () => {
    const large = { width: 20_000, height: 10_000 };
    const fit = fitViewport(large, screen);
    const centre = { x: 960, y: 540 };
    expect(zoomAt(fit, 1000, centre, large, screen).scale).toBeCloseTo(fit.scale * MAX_ZOOM_OF_FIT);
    expect(zoomAt(fit, 0.001, centre, large, screen).scale).toBeCloseTo(fit.scale * MIN_ZOOM_OF_FIT);
  });

  it("caps zooming into a small floor at a desk-sized view, but always allows some zoom", () => {
    const small = { width: 4000, height: 2400 };
    const fit = fitViewport(small, screen);
    const centre = { x: 960, y: 540 };
    expect(zoomAt(fit, 1000, centre, small, screen).scale).toBeCloseTo(MAX_PX_PER_CM);
    const tiny = { width: 400, height: 200 };
    const tinyFit = fitViewport(tiny, screen);
    expect(zoomAt(tinyFit, 1000, centre, tiny, screen).scale).toBeCloseTo(tinyFit.scale * MIN_MAX_ZOOM_OF_FIT);
  });

  it("never lets the plan be dragged off screen", () => {
    const fit = fitViewport(plan, screen);
    const farRight = panBy(fit, 1e6, 1e6, plan, screen);
    expect(farRight.x).toBe(screen.width - PAN_KEEP_VISIBLE_PX);
    expect(farRight.y).toBe(screen.height - PAN_KEEP_VISIBLE_PX);
    const farLeft = panBy(fit, -1e6, -1e6, plan, screen);
    expect(farLeft.x + plan.width * fit.scale).toBe(PAN_KEEP_VISIBLE_PX);
    expect(farLeft.y + plan.height * fit.scale).toBe(PAN_KEEP_VISIBLE_PX);
  });

  it("pans freely within the limits", () => {
    const fit = fitViewport(plan, screen);
    const moved = panBy(fit, 30, -20, plan, screen);
    expect(moved.x).toBeCloseTo(fit.x + 30);
    expect(moved.y).toBeCloseTo(fit.y - 20);
  });

  it("pinches: spreading two fingers zooms around their midpoint, moving them pans", () => {
    const start: Viewport = fitViewport(plan, screen);
    const spread = pinch(
      start,
      [
        { x: 900, y: 500 },
        { x: 1000, y: 500 },
      ],
      [
        { x: 850, y: 500 },
        { x: 1050, y: 500 },
      ],
      plan,
      screen,
    );
    expect(spread.scale).toBeCloseTo(start.scale * 2);
    const mid = toPlanPoint(start, { x: 950, y: 500 });
    const midAfter = toPlanPoint(spread, { x: 950, y: 500 });
    expect(midAfter.x).toBeCloseTo(mid.x);

    const moved = pinch(
      spread,
      [
        { x: 850, y: 500 },
        { x: 1050, y: 500 },
      ],
      [
        { x: 870, y: 530 },
        { x: 1070, y: 530 },
      ],
      plan,
      screen,
    );
    expect(moved.scale).toBeCloseTo(spread.scale);
    expect(moved.x - spread.x).toBeCloseTo(20);
    expect(moved.y - spread.y).toBeCloseTo(30);
  });

  it("zooms in on wheel up and out on wheel down, by about 10 % a notch", () => {
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1.1);
    expect(wheelZoomFactor(100)).toBeLessThan(0.91);
    expect(wheelZoomFactor(100) * wheelZoomFactor(-100)).toBeCloseTo(1);
    expect(wheelZoomFactor(-10_000)).toBe(wheelZoomFactor(-100));
  });
});
