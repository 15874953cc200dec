import { DeviceReading, deviceStateTopic, MAX_DEVICE_PAYLOAD_BYTES } from "@desksharing/protocol";
import { describe, expect, it } from "vitest";

import { createRandom } from "../random.js";
import { applyMessageFaults, CLOCK_SKEW_MS, type MessageFault, parseFaultRates } from "./faults.js";

const reading: DeviceReading = { v: 1, ts: 1_767_000_000_000, seq: 7, boot: "b1", kind: "desk", occupied: true };
const context = { siteId: "s1", deviceId: "pir-1", foreignDeviceId: "pir-2", random: createRandom(1) };
const own = deviceStateTopic("s1", "pir-1");

function wire(faults: MessageFault[], held?: { topic: string; payload: string }) {
  return applyMessageFaults(reading, new Set(faults), context, held);
}

describe("parseFaultRates", () => {
  it("reads probabilities per fault kind", () => {
    expect(parseFaultRates("duplicate=0.01, reorder=0.2,clock-skew=1")).toEqual({
      ok: true,
      rates: { duplicate: 0.01, reorder: 0.2, "clock-skew": 1 },
    });
    expect(parseFaultRates("")).toEqual({ ok: true, rates: {} });
  });

  it("reports every bad entry at once", () => {
    const result = parseFaultRates("dupe=0.1,reorder=2,malformed");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toHaveLength(3);
      expect(result.errors[0]).toMatch(/unknown fault 'dupe'/);
    }
  });
});

describe("applyMessageFaults", () => {
  it("sends a clean reading once on the device's own topic", () => {
    expect(wire([])).toEqual({ messages: [{ topic: own, payload: JSON.stringify(reading) }] });
  });

  it("duplicate sends the same payload twice", () => {
    const { messages } = wire(["duplicate"]);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual(messages[1]);
  });

  it("clock-skew moves ts by 20 minutes", () => {
    const [message] = wire(["clock-skew"]).messages;
    const sent = DeviceReading.parse(JSON.parse(message?.payload ?? ""));
    expect(Math.abs(sent.ts - reading.ts)).toBe(CLOCK_SKEW_MS);
    expect(sent.seq).toBe(reading.seq);
  });

  it("malformed adds a payload that is not a valid reading before the real one", () => {
    for (let i = 0; i < 10; i++) {
      const { messages } = wire(["malformed"]);
      expect(messages).toHaveLength(2);
      const garbage = messages[0]?.payload ?? "";
      const valid = (() => {
        try {
          return DeviceReading.safeParse(JSON.parse(garbage)).success;
        } catch {
          return false;
        }
      })();
      expect(valid).toBe(false);
      expect(messages[1]?.payload).toBe(JSON.stringify(reading));
    }
  });

  it("oversized adds a payload above the edge's limit", () => {
    const { messages } = wire(["oversized"]);
    expect(Buffer.byteLength(messages[0]?.payload ?? "")).toBeGreaterThan(MAX_DEVICE_PAYLOAD_BYTES);
    expect(messages[1]?.payload).toBe(JSON.stringify(reading));
  });

  it("foreign-topic publishes the device's own reading on another device's topic", () => {
    const { messages } = wire(["foreign-topic"]);
    expect(messages[0]).toEqual({ topic: deviceStateTopic("s1", "pir-2"), payload: JSON.stringify(reading) });
    expect(messages[1]?.topic).toBe(own);
  });

  it("reorder holds a reading back until the next one has gone out", () => {
    const first = wire(["reorder"]);
    expect(first.messages).toEqual([]);
    expect(first.held).toEqual({ topic: own, payload: JSON.stringify(reading) });
    const next = { ...reading, seq: 8 };
    const second = applyMessageFaults(next, new Set(), context, first.held);
    expect(second.messages.map((m) => (JSON.parse(m.payload) as DeviceReading).seq)).toEqual([8, 7]);
    expect(second.held).toBeUndefined();
  });
});
