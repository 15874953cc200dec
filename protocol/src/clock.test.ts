import { describe, expect, it } from "vitest";

import { formatClockAnchor, parseClockAnchor, realDelay, virtualTime } from "./clock.js";

describe("virtual clock", () => {
  const anchor = { realMs: 1_000_000, virtualMs: 5_000_000, speed: 60 };

  it("runs speed times faster than the real clock from its anchor", () => {
    expect(virtualTime(anchor, 1_000_000)).toBe(5_000_000);
    expect(virtualTime(anchor, 1_001_000)).toBe(5_060_000);
    expect(realDelay(anchor, 60_000)).toBe(1_000);
  });

  it("round-trips through its text form and rejects malformed text", () => {
    expect(parseClockAnchor(formatClockAnchor(anchor))).toEqual(anchor);
    expect(parseClockAnchor("1:2")).toBeNull();
    expect(parseClockAnchor("1:2:0")).toBeNull();
    expect(parseClockAnchor("a:b:c")).toBeNull();
    expect(parseClockAnchor("1:2:3:4")).toBeNull();
  });
});
