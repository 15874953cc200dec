import { describe, expect, it } from "vitest";

import { LiveSubscribeRequest, OccupancyChanged } from "./occupancy-live.js";

describe("live occupancy events", () => {
  it("accepts a change of one desk and a subscription with or without a site", () => {
    const change = {
      siteId: "hq",
      desks: [{ deskId: "d1", floorId: "f1", status: "occupied", since: 1 }],
      rooms: [],
      devices: [{ deviceId: "pir-1", availability: "online", lifecycle: null, battery: 80, at: 1 }],
    };
    expect(OccupancyChanged.parse(change)).toEqual(change);
    expect(LiveSubscribeRequest.safeParse({}).success).toBe(true);
    expect(LiveSubscribeRequest.safeParse({ siteId: "hq" }).success).toBe(true);
  });

  it("rejects a bad site id and unknown keys", () => {
    expect(LiveSubscribeRequest.safeParse({ siteId: "a/b" }).success).toBe(false);
    expect(LiveSubscribeRequest.safeParse({ siteId: "hq", all: true }).success).toBe(false);
  });
});
