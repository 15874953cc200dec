import type { DeskState, KioskDelta, KioskSnapshot, RoomState } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { isStale, siteTimeAt } from "./kiosk-state.js";
import { KioskStore } from "./kiosk-store.js";

const desk = (deskId: string, status: DeskState["status"], since = 0): DeskState => ({
  deskId,
  floorId: "f1",
  status,
  since,
});
const room = (roomId: string, count: number): RoomState => ({
  roomId,
  floorId: "f1",
  status: count > 0 ? "occupied" : "free",
  count,
  since: 0,
});

const snapshot = (seq: number, desks: DeskState[] = [desk("d1", "free"), desk("d2", "free")]): KioskSnapshot => ({
  siteId: "hq",
  siteName: "Head office",
  seq,
  at: 1_000,
  plans: [],
  desks,
  rooms: [room("r1", 0)],
});
const delta = (seq: number, desks: DeskState[], rooms: RoomState[] = []): KioskDelta => ({
  seq,
  at: 2_000,
  desks,
  rooms,
});

function storeAt(time: { now: number }) {
  return new KioskStore(() => time.now);
}

describe("KioskStore", () => {
  it("starts without a plan and stale", () => {
    const store = new KioskStore(() => 0);
    expect(store.getState().phase).toBe("connecting");
    expect(isStale(store.getState())).toBe(true);
  });

  it("takes a snapshot as fresh state", () => {
    const time = { now: 50 };
    const store = storeAt(time);
    store.snapshot(snapshot(7));
    const state = store.getState();
    expect(state.phase).toBe("live");
    expect(isStale(state)).toBe(false);
    expect(state.seq).toBe(7);
    expect(state.siteName).toBe("Head office");
    expect(state.desks.get("d1")?.status).toBe("free");
    expect(state.confirmedAt).toBe(50);
  });

  it("folds numbered deltas in and keeps unchanged desks as the same objects", () => {
    const time = { now: 0 };
    const store = storeAt(time);
    store.snapshot(snapshot(1));
    const before = store.getState();
    time.now = 900;
    expect(store.delta(delta(2, [desk("d1", "occupied", 5)], [room("r1", 3)]))).toBe(false);
    const after = store.getState();
    expect(after.desks.get("d1")?.status).toBe("occupied");
    expect(after.desks.get("d2")).toBe(before.desks.get("d2"));
    expect(after.rooms.get("r1")?.count).toBe(3);
    expect(after.seq).toBe(2);
    expect(after.confirmedAt).toBe(900);
  });

  it("ignores a delta it already has", () => {
    const store = storeAt({ now: 0 });
    store.snapshot(snapshot(5));
    const before = store.getState();
    expect(store.delta(delta(5, [desk("d1", "occupied")]))).toBe(false);
    expect(store.delta(delta(3, [desk("d1", "occupied")]))).toBe(false);
    expect(store.getState()).toBe(before);
  });

  it("reports a gap, stops applying deltas and recovers with the next snapshot", () => {
    const store = storeAt({ now: 0 });
    store.snapshot(snapshot(1));
    expect(store.delta(delta(3, [desk("d1", "occupied")]))).toBe(true);
    expect(store.getState().phase).toBe("resyncing");
    expect(isStale(store.getState())).toBe(true);
    expect(store.getState().desks.get("d1")?.status).toBe("free");
    expect(store.delta(delta(4, [desk("d2", "occupied")]))).toBe(false);
    expect(store.getState().desks.get("d2")?.status).toBe("free");
    store.snapshot(snapshot(4, [desk("d1", "occupied"), desk("d2", "occupied")]));
    expect(store.getState().phase).toBe("live");
    store.delta(delta(5, [desk("d2", "free")]));
    expect(store.getState().desks.get("d2")?.status).toBe("free");
  });

  it("ignores deltas before the first snapshot", () => {
    const store = storeAt({ now: 0 });
    expect(store.delta(delta(1, [desk("d1", "occupied")]))).toBe(false);
    expect(store.getState().desks.size).toBe(0);
  });

  it("marks the state stale when the connection drops and keeps the time it was last confirmed", () => {
    const time = { now: 100 };
    const store = storeAt(time);
    store.snapshot(snapshot(1));
    time.now = 200;
    store.heartbeat();
    time.now = 300;
    store.lost();
    const lost = store.getState();
    expect(lost.phase).toBe("lost");
    expect(isStale(lost)).toBe(true);
    expect(lost.confirmedAt).toBe(200);
    time.now = 400;
    store.heartbeat();
    expect(store.delta(delta(2, [desk("d1", "occupied")]))).toBe(false);
    expect(store.getState().confirmedAt).toBe(200);
    expect(store.getState().desks.get("d1")?.status).toBe("free");
  });

  it("stays stale after reconnecting until the new snapshot replaces the state", () => {
    const time = { now: 0 };
    const store = storeAt(time);
    store.snapshot(snapshot(9));
    store.lost();
    store.connected();
    expect(store.getState().phase).toBe("resyncing");
    expect(isStale(store.getState())).toBe(true);
    time.now = 1_000;
    store.snapshot(snapshot(1, [desk("d1", "occupied")]));
    const state = store.getState();
    expect(state.phase).toBe("live");
    expect(state.seq).toBe(1);
    expect(state.desks.has("d2")).toBe(false);
    expect(state.confirmedAt).toBe(1_000);
  });

  it("drops everything it showed when the edge refuses the kiosk", () => {
    const store = storeAt({ now: 0 });
    store.snapshot(snapshot(1));
    store.refused("unauthorised");
    const state = store.getState();
    expect(state.phase).toBe("unauthorised");
    expect(state.desks.size).toBe(0);
    expect(state.siteName).toBeNull();
    store.lost();
    expect(store.getState().phase).toBe("unauthorised");
  });

  it("tells the site's time from the gateway times in the messages", () => {
    const time = { now: 10_000 };
    const store = storeAt(time);
    expect(siteTimeAt(store.getState(), 123)).toBe(123);
    store.snapshot({ ...snapshot(1), at: 500_000 });
    expect(siteTimeAt(store.getState(), 12_000)).toBe(502_000);
    time.now = 20_000;
    store.delta({ ...delta(2, [desk("d1", "occupied")]), at: 1_100_000 });
    expect(siteTimeAt(store.getState(), 30_000)).toBe(1_700_000);
  });

  it("notifies subscribers on change only", () => {
    const store = storeAt({ now: 0 });
    let calls = 0;
    const unsubscribe = store.subscribe(() => calls++);
    store.snapshot(snapshot(1));
    store.delta(delta(1, [desk("d1", "occupied")]));
    store.heartbeat();
    unsubscribe();
    store.delta(delta(2, [desk("d1", "occupied")]));
    expect(calls).toBe(2);
  });
});
