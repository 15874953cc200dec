import { describe, expect, it } from "vitest";

import type { TargetState } from "./occupancy.js";
import { applyReading, initialTarget, setOffline, statusAt, tick } from "./occupancy.js";

const rules = { deskHoldMs: 600_000, roomHoldMs: 300_000 };
const T = 1_700_000_000_000;

function desk(): TargetState {
  return initialTarget("desk", "d-1", "f1", T);
}

describe("desk state machine", () => {
  it("stays unknown until the first reading and turns occupied at once on presence", () => {
    const start = desk();
    expect(start.status).toBe("unknown");
    const result = applyReading(start, { ts: T + 1000, occupied: true }, T + 1000, rules);
    expect(result).toMatchObject({ changed: true, applied: true, state: { status: "occupied", since: T + 1000 } });
  });

  it("holds a desk pending-free after presence ends and frees it when the hold time has passed", () => {
    let state = applyReading(desk(), { ts: T, occupied: true }, T, rules).state;
    state = applyReading(state, { ts: T + 60_000, occupied: false }, T + 60_000, rules).state;
    expect(state).toMatchObject({ status: "pending-free", since: T + 60_000 });
    expect(tick(state, T + 60_000 + 599_999, rules).changed).toBe(false);
    const freed = tick(state, T + 60_000 + 600_500, rules);
    expect(freed).toMatchObject({ changed: true, state: { status: "free", since: T + 660_000 } });
  });

  it("returns to occupied when presence comes back within the hold time", () => {
    let state = applyReading(desk(), { ts: T, occupied: true }, T, rules).state;
    state = applyReading(state, { ts: T + 1000, occupied: false }, T + 1000, rules).state;
    state = applyReading(state, { ts: T + 2000, occupied: true }, T + 2000, rules).state;
    expect(state).toMatchObject({ status: "occupied", holdStart: null });
  });

  it("frees a desk at once when its first reading shows no presence", () => {
    expect(applyReading(desk(), { ts: T, occupied: false }, T, rules).state.status).toBe("free");
  });

  it("keeps an older event as history: it never overwrites newer state", () => {
    const occupied = applyReading(desk(), { ts: T + 5000, occupied: true }, T + 5000, rules).state;
    const late = applyReading(occupied, { ts: T + 1000, occupied: false }, T + 6000, rules);
    expect(late).toMatchObject({ applied: false, changed: false, state: occupied });
  });

  it("applies out-of-order readings that are newer by event time", () => {
    let state = applyReading(desk(), { ts: T + 3000, occupied: true }, T + 3000, rules).state;
    state = applyReading(state, { ts: T + 4000, occupied: false }, T + 4500, rules).state;
    expect(state.status).toBe("pending-free");
  });

  it("attributes a hold that ran out while nobody looked to the end of the hold", () => {
    const occupied = applyReading(desk(), { ts: T, occupied: true }, T, rules).state;
    const late = applyReading(occupied, { ts: T + 1000, occupied: false }, T + 3_600_000, rules);
    expect(late.state).toMatchObject({ status: "free", since: T + 601_000 });
  });

  it("goes offline with its sensor and comes back with what the facts say", () => {
    const occupied = applyReading(desk(), { ts: T, occupied: true }, T, rules).state;
    const offline = setOffline(occupied, true, T + 10, T + 10, rules);
    expect(offline.state).toMatchObject({ status: "offline", since: T + 10 });
    const back = setOffline(offline.state, false, T + 20, T + 20, rules);
    expect(back.state).toMatchObject({ status: "occupied", since: T + 20 });
    const reading = applyReading(offline.state, { ts: T + 30, occupied: false }, T + 30, rules);
    expect(reading.state.status).toBe("pending-free");
  });

  it("uses the configured hold time", () => {
    const quick = { deskHoldMs: 1000, roomHoldMs: 1000 };
    let state = applyReading(desk(), { ts: T, occupied: true }, T, quick).state;
    state = applyReading(state, { ts: T + 10, occupied: false }, T + 10, quick).state;
    expect(statusAt(state, T + 1009, quick)).toBe("pending-free");
    expect(statusAt(state, T + 1010, quick)).toBe("free");
  });
});

describe("room state machine", () => {
  it("is occupied while people are counted and free after the room hold time at zero", () => {
    const room = initialTarget("room", "r-1", "f1", T);
    let result = applyReading(room, { ts: T, count: 3 }, T, rules);
    expect(result.state).toMatchObject({ status: "occupied", count: 3 });
    result = applyReading(result.state, { ts: T + 1000, count: 0 }, T + 1000, rules);
    expect(result).toMatchObject({ changed: true, state: { status: "occupied", count: 0 } });
    expect(tick(result.state, T + 300_999, rules).changed).toBe(false);
    expect(tick(result.state, T + 301_000, rules).state).toMatchObject({ status: "free", since: T + 301_000 });
  });

  it("reports a changed count as a change", () => {
    const room = applyReading(initialTarget("room", "r-1", "f1", T), { ts: T, count: 3 }, T, rules).state;
    expect(applyReading(room, { ts: T + 1, count: 4 }, T + 1, rules).changed).toBe(true);
  });
});
