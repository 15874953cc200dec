import { describe, expect, it } from "vitest";

import type { UplinkEvent } from "@desksharing/protocol";

import { firstOfEachId, futureEvents, latestStates, MAX_FUTURE_SKEW_MS } from "./uplink-batch.js";

const desk = (id: string, at: number, status: "free" | "occupied", deskId = "d1"): UplinkEvent => ({
  id: `gw000001:${id}`,
  siteId: "hq",
  at,
  type: "desk-state",
  state: { deskId, floorId: "f1", status, since: at },
});
const reading = (id: string, at: number, historical: boolean): UplinkEvent => ({
  id: `gw000001:${id}`,
  siteId: "hq",
  at,
  type: "reading",
  deviceId: "pir-1",
  boot: "b1",
  seq: Number(id),
  occupied: true,
  historical,
});

describe("uplink batch", () => {
  it("keeps the newest state per desk (the later one of equal times) in key order, and ignores readings", () => {
    const latest = latestStates([
      desk("0", 10, "free", "d3"),
      desk("1", 200, "occupied"),
      desk("2", 100, "free"),
      desk("3", 50, "free", "d2"),
      desk("4", 50, "occupied", "d2"),
      reading("5", 300, false),
      reading("6", 400, true),
    ]);
    expect(latest.desks.map((entry) => [entry.state.deskId, entry.eventId, entry.state.status])).toEqual([
      ["d1", "gw000001:1", "occupied"],
      ["d2", "gw000001:4", "occupied"],
      ["d3", "gw000001:0", "free"],
    ]);
    expect(latest.rooms).toEqual([]);
    expect(latest.devices).toEqual([]);
  });

  it("drops repeated ids inside a batch and finds events from the future", () => {
    const events = [desk("1", 1, "free"), desk("1", 1, "free"), desk("2", 1_000 + MAX_FUTURE_SKEW_MS + 1, "free")];
    expect(firstOfEachId(events).map((event) => event.id)).toEqual(["gw000001:1", "gw000001:2"]);
    expect(futureEvents(events, 1_000)).toEqual([2]);
  });
});
