import { describe, expect, it } from "vitest";

import type { ReadingMark } from "./replay-window.js";
import { alreadyTaken, markTaken, REPLAY_WINDOW } from "./replay-window.js";

function take(mark: ReadingMark | undefined, seq: number, boot = "b1", extra: { ts?: number; applied?: boolean } = {}) {
  return markTaken(mark, { boot, seq, ts: extra.ts ?? seq, receivedAt: 1_000 + seq, applied: extra.applied ?? true });
}

function takeAll(seqs: readonly number[], boot = "b1"): ReadingMark | undefined {
  let mark: ReadingMark | undefined;
  for (const seq of seqs) mark = take(mark, seq, boot);
  return mark;
}

describe("replay window", () => {
  it("takes anything from a device or boot it has no mark for", () => {
    expect(alreadyTaken(undefined, "b1", 1)).toBe(false);
    expect(alreadyTaken(takeAll([1, 2, 3]), "b2", 2)).toBe(false);
  });

  it("knows every seq it took and none it did not, including late ones inside the window", () => {
    const mark = takeAll([1, 2, 5, 3, 9]);
    for (const seq of [1, 2, 3, 5, 9]) expect(alreadyTaken(mark, "b1", seq)).toBe(true);
    for (const seq of [4, 6, 7, 8, 10]) expect(alreadyTaken(mark, "b1", seq)).toBe(false);
    expect(mark?.seq).toBe(9);
  });

  it("forgets the slots of seqs skipped on the way up, also across a wrap of the bitmap", () => {
    const start = 10;
    const mark = takeAll([start, start + REPLAY_WINDOW - 1]);
    // slot of `start` is still its own: inside the window
    expect(alreadyTaken(mark, "b1", start)).toBe(true);
    const later = take(mark, start + REPLAY_WINDOW + 5);
    // the slots of start+1 .. start+5 hold seqs a window older; the skipped seqs between are not taken
    for (let seq = start + REPLAY_WINDOW; seq < start + REPLAY_WINDOW + 5; seq += 1) {
      expect(alreadyTaken(later, "b1", seq)).toBe(false);
    }
    expect(alreadyTaken(later, "b1", start + REPLAY_WINDOW - 1)).toBe(true);
    const far = take(later, start + 10 * REPLAY_WINDOW);
    expect(alreadyTaken(far, "b1", start + 10 * REPLAY_WINDOW - 1)).toBe(false);
  });

  it("refuses a seq below the window as a replay and does not let it disturb the window", () => {
    const newest = 5 * REPLAY_WINDOW;
    const mark = takeAll([1, newest]);
    expect(alreadyTaken(mark, "b1", newest - REPLAY_WINDOW)).toBe(true);
    expect(alreadyTaken(mark, "b1", newest - REPLAY_WINDOW + 1)).toBe(false);
    const after = take(mark, newest - 2 * REPLAY_WINDOW + 1);
    expect(alreadyTaken(after, "b1", newest - REPLAY_WINDOW + 1)).toBe(false);
  });

  it("starts a new window with a new boot and leaves the mark it was given unchanged", () => {
    const first = takeAll([1, 2, 3]);
    const rebooted = take(first, 1, "b2");
    expect(alreadyTaken(rebooted, "b2", 1)).toBe(true);
    expect(alreadyTaken(rebooted, "b2", 2)).toBe(false);
    expect(alreadyTaken(rebooted, "b1", 3)).toBe(false);
    expect(alreadyTaken(first, "b1", 3)).toBe(true);
    expect(alreadyTaken(first, "b2", 1)).toBe(false);
  });

  it("updates a mark of the same boot in place when asked to reuse it", () => {
    const mark = take(undefined, 1);
    const same = markTaken(mark, { boot: "b1", seq: 2, ts: 2, receivedAt: 1_002, applied: true }, true);
    expect(same).toBe(mark);
    expect(alreadyTaken(mark, "b1", 2)).toBe(true);
  });

  it("keeps the newest receipt time and the newest applied event time across boots", () => {
    let mark = take(undefined, 1, "b1", { ts: 500 });
    mark = take(mark, 2, "b1", { ts: 400 });
    mark = take(mark, 3, "b1", { ts: 900, applied: false });
    expect(mark.appliedTs).toBe(500);
    mark = take(mark, 1, "b2", { ts: 700 });
    expect(mark.appliedTs).toBe(700);
    expect(mark.receivedAt).toBe(1_003);
  });
});
