import { describe, expect, it } from "vitest";

import { clockRate, observeSiteClock, siteTime, type SiteClock } from "./site-clock.js";

const EIGHT = Date.UTC(2025, 0, 6, 8, 0);

describe("site clock", () => {
  it("follows the gateway's time at the real rate", () => {
    let clock: SiteClock = observeSiteClock(null, { local: 1_000_000, site: EIGHT });
    expect(siteTime(clock, 1_030_000)).toBe(EIGHT + 30_000);
    clock = observeSiteClock(clock, { local: 1_060_000, site: EIGHT + 60_050 });
    expect(clockRate(clock)).toBeCloseTo(1, 2);
  });

  it("learns an accelerated day from the samples", () => {
    let clock: SiteClock = observeSiteClock(null, { local: 0, site: EIGHT });
    clock = observeSiteClock(clock, { local: 1_000, site: EIGHT + 60_000 });
    clock = observeSiteClock(clock, { local: 10_000, site: EIGHT + 600_000 });
    expect(clockRate(clock)).toBeCloseTo(60);
    expect(siteTime(clock, 20_000)).toBeCloseTo(EIGHT + 1_200_000);
  });

  it("starts again when the edge's clock jumps ahead once the rate is known", () => {
    let clock: SiteClock = observeSiteClock(null, { local: 0, site: EIGHT });
    clock = observeSiteClock(clock, { local: 10_000, site: EIGHT + 10_000 });
    clock = observeSiteClock(clock, { local: 11_000, site: EIGHT + 3_600_000 });
    expect(clock.first).toEqual({ local: 11_000, site: EIGHT + 3_600_000 });
  });

  it("starts again when the edge's clock goes back", () => {
    let clock: SiteClock = observeSiteClock(null, { local: 0, site: EIGHT });
    clock = observeSiteClock(clock, { local: 10_000, site: EIGHT + 10_000 });
    clock = observeSiteClock(clock, { local: 11_000, site: EIGHT - 3_600_000 });
    expect(clock.first).toEqual({ local: 11_000, site: EIGHT - 3_600_000 });
    expect(siteTime(clock, 12_000)).toBe(EIGHT - 3_599_000);
  });
});
