import { describe, expect, it } from "vitest";

import { deviceStateTopic, deviceStatusTopic, parseDeviceTopic, siteDevicesFilter } from "./topics.js";

describe("device topics", () => {
  it("builds and parses the state and status topics", () => {
    expect(deviceStateTopic("hq", "pir-001")).toBe("desksharing/v1/hq/devices/pir-001/state");
    expect(deviceStatusTopic("hq", "pir-001")).toBe("desksharing/v1/hq/devices/pir-001/status");
    expect(parseDeviceTopic("desksharing/v1/hq/devices/pir-001/state")).toEqual({
      siteId: "hq",
      deviceId: "pir-001",
      channel: "state",
    });
  });

  it.each(["+", "#", "a/b", "", "a+b", "x#", " space", "-leading", "a".repeat(65)])(
    "refuses to build a topic with id %j",
    (bad) => {
      expect(() => deviceStateTopic(bad, "pir-001")).toThrow(/invalid site id/);
      expect(() => deviceStatusTopic("hq", bad)).toThrow(/invalid device id/);
    },
  );

  it.each([
    "desksharing/v1/hq/devices/+/state",
    "desksharing/v1/hq/devices/#",
    "desksharing/v1/hq/devices//state",
    "desksharing/v1/hq/devices/pir-001/state/extra",
    "desksharing/v2/hq/devices/pir-001/state",
    "desksharing/v1/hq/rooms/pir-001/state",
    "desksharing/v1/hq/devices/pir-001/telemetry",
    "",
  ])("parses %j as not a device topic", (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });

  it("builds the one wildcard subscription of a site", () => {
    expect(siteDevicesFilter("hq")).toBe("desksharing/v1/hq/devices/+/+");
    expect(() => siteDevicesFilter("#")).toThrow();
  });
});
