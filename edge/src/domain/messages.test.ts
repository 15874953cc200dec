import { DeviceReading, MAX_CLOCK_SKEW_MS, MAX_DEVICE_PAYLOAD_BYTES } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import type { DeviceState } from "./devices.js";
import { initialDevice } from "./devices.js";
import type { MessageContext } from "./messages.js";
import { classifyMessage, plainReading, publishRefusal } from "./messages.js";

const NOW = 1_700_000_000_000;
const TOPIC = "desksharing/v1/hq/devices/pir-1/state";
const STATUS_TOPIC = "desksharing/v1/hq/devices/pir-1/status";

function context(change: Partial<DeviceState> = {}, seen = new Set<string>()): MessageContext {
  const device = { ...initialDevice("pir-1", "desk", "pir-desk", "d-1", "f1"), ...change };
  return {
    siteId: "hq",
    devices: new Map([["pir-1", device]]),
    now: NOW,
    publisherVerified: false,
    seen: (deviceId, boot, seq) => seen.has(`${deviceId}/${boot}/${seq}`),
  };
}

function bytes(value: unknown): Uint8Array {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value));
}

const reading = { v: 1, ts: NOW, seq: 1, boot: "b1", kind: "desk", occupied: true, battery: 80 };

describe("classifyMessage", () => {
  it("accepts a valid reading and adopts the first boot", () => {
    expect(classifyMessage(TOPIC, bytes(reading), context())).toMatchObject({ type: "reading", newBoot: true });
    expect(classifyMessage(TOPIC, bytes(reading), context({ boot: "b1" }))).toMatchObject({ newBoot: false });
  });

  it.each([
    ["malformed_topic", "desksharing/v1/hq/devices/pir-1/telemetry", reading],
    ["foreign_site", "desksharing/v1/other/devices/pir-1/state", reading],
    ["unknown_device", "desksharing/v1/hq/devices/pir-9/state", reading],
    ["oversized", TOPIC, { ...reading, fw: "x".repeat(MAX_DEVICE_PAYLOAD_BYTES) }],
    ["bad_json", TOPIC, "{not json"],
    ["schema", TOPIC, { ...reading, occupied: "yes" }],
    ["schema", TOPIC, { ...reading, extra: 1 }],
    ["kind_mismatch", TOPIC, { ...reading, kind: "room", occupied: undefined, count: 2 }],
    ["clock_skew", TOPIC, { ...reading, ts: NOW + MAX_CLOCK_SKEW_MS + 1 }],
    ["clock_skew", TOPIC, { ...reading, ts: NOW - MAX_CLOCK_SKEW_MS - 1 }],
  ])("dead-letters %s", (reason, topic, payload) => {
    expect(classifyMessage(topic, bytes(payload), context())).toMatchObject({ type: "reject", reason });
  });

  it("dead-letters a replayed (device, boot, seq) as a duplicate", () => {
    const ctx = context({ boot: "b1" }, new Set(["pir-1/b1/1"]));
    expect(classifyMessage(TOPIC, bytes(reading), ctx)).toMatchObject({ type: "reject", reason: "duplicate" });
    expect(classifyMessage(TOPIC, bytes({ ...reading, seq: 2 }), ctx)).toMatchObject({ type: "reading" });
  });

  it("behind an external broker takes a reading of an unannounced boot for someone else's", () => {
    const ctx = context({ boot: "b1", bootTs: NOW - 1000 });
    expect(classifyMessage(TOPIC, bytes({ ...reading, boot: "b2" }), ctx)).toMatchObject({ reason: "foreign_topic" });
  });

  it("behind the embedded broker follows a reboot and refuses readings of an older boot", () => {
    const ctx = { ...context({ boot: "b1", bootTs: NOW - 1000 }), publisherVerified: true };
    expect(classifyMessage(TOPIC, bytes({ ...reading, boot: "b2" }), ctx)).toMatchObject({ newBoot: true });
    const old = { ...reading, boot: "b0", ts: NOW - 5000 };
    expect(classifyMessage(TOPIC, bytes(old), ctx)).toMatchObject({ reason: "stale_boot" });
  });

  it("accepts lifecycle status and refuses the last will of a boot the device has left", () => {
    const status = { state: "online", boot: "b2", fw: "1.0.0", ts: NOW };
    expect(classifyMessage(STATUS_TOPIC, bytes(status), context({ boot: "b1" }))).toMatchObject({ type: "status" });
    const will = { ...status, state: "offline", boot: "b1" };
    expect(classifyMessage(STATUS_TOPIC, bytes(will), context({ boot: "b2" }))).toMatchObject({ reason: "stale_boot" });
    expect(classifyMessage(STATUS_TOPIC, bytes({ state: "lost" }), context())).toMatchObject({ reason: "schema" });
  });
});

describe("publishRefusal", () => {
  const devices = new Map([
    ["pir-1", {}],
    ["pir-2", {}],
  ]);

  it("lets a device publish only on its own topics of its own site", () => {
    expect(publishRefusal(TOPIC, "pir-1", "hq", devices)).toBeNull();
    expect(publishRefusal(STATUS_TOPIC, "pir-1", "hq", devices)).toBeNull();
    expect(publishRefusal(TOPIC, "pir-2", "hq", devices)).toMatchObject({ reason: "foreign_topic" });
    expect(publishRefusal("desksharing/v1/b/devices/pir-1/state", "pir-1", "hq", devices)).toMatchObject({
      reason: "foreign_site",
    });
    expect(publishRefusal("random/topic", "pir-1", "hq", devices)).toMatchObject({ reason: "malformed_topic" });
  });
});

describe("plainReading", () => {
  const room = { v: 1, ts: NOW, seq: 7, boot: "b1", kind: "room", count: 3, rssi: -60, fw: "1.2.3" };
  const values: unknown[] = [
    undefined,
    null,
    true,
    false,
    0,
    -1,
    1,
    1.5,
    2 ** 32,
    2 ** 53,
    -150,
    -151,
    100,
    100.5,
    10_000,
    10_001,
    33,
    "",
    "x",
    "b 1",
    "desk",
    "room",
    "x".repeat(33),
    "x".repeat(65),
    [],
    {},
  ];
  const fields = ["v", "ts", "seq", "boot", "kind", "occupied", "count", "battery", "rssi", "fw", "extra", "__proto__"];
  const variants: unknown[] = [null, [], "reading", 1, reading, room];
  for (const base of [reading, room]) {
    for (const field of fields) {
      for (const value of values) variants.push(JSON.parse(JSON.stringify({ ...base, [field]: value })) as unknown);
      const without: Record<string, unknown> = { ...base };
      delete without[field];
      variants.push(without);
    }
  }
  variants.push(JSON.parse(`{"v":1,"ts":${NOW},"seq":1,"boot":"b1","kind":"desk","occupied":true,"__proto__":1}`));

  it("accepts only what the protocol schema accepts, and as the schema reads it", () => {
    let accepted = 0;
    for (const json of variants) {
      const plain = plainReading(json);
      const schema = DeviceReading.safeParse(json);
      if (plain !== null) {
        accepted += 1;
        expect(schema.success, JSON.stringify(json)).toBe(true);
        expect(plain).toEqual(schema.data);
      }
    }
    expect(accepted).toBeGreaterThan(20);
  });
});
