import { deviceStateTopic, type DeviceReading, MAX_DEVICE_PAYLOAD_BYTES } from "@desksharing/protocol";

import type { Random } from "../random.js";

export const FAULT_KINDS = [
  "disconnect",
  "duplicate",
  "reorder",
  "clock-skew",
  "malformed",
  "oversized",
  "foreign-topic",
  "reboot",
  "wrong-password",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that change what one reading looks like on the wire. */
export const MESSAGE_FAULTS = [
  "duplicate",
  "reorder",
  "clock-skew",
  "malformed",
  "oversized",
  "foreign-topic",
] as const;
export type MessageFault = (typeof MESSAGE_FAULTS)[number];

export function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

export function isMessageFault(kind: FaultKind): kind is MessageFault {
  return (MESSAGE_FAULTS as readonly string[]).includes(kind);
}

export type FaultRates = Partial<Record<FaultKind, number>>;

/** Parses `duplicate=0.01,reorder=0.02`: probabilities per message. Every problem is reported at once. */
export function parseFaultRates(text: string): { ok: true; rates: FaultRates } | { ok: false; errors: string[] } {
  const rates: FaultRates = {};
  const errors: string[] = [];
  for (const part of text.split(",").map((item) => item.trim())) {
    if (part === "") continue;
    const [kind = "", value, ...rest] = part.split("=");
    const rate = Number(value);
    if (!isFaultKind(kind)) errors.push(`unknown fault '${kind}' (known: ${FAULT_KINDS.join(", ")})`);
    else if (value === undefined || rest.length > 0 || value.trim() === "" || !(rate >= 0 && rate <= 1)) {
      errors.push(`fault '${kind}' needs a probability from 0 to 1, e.g. ${kind}=0.01`);
    } else rates[kind] = rate;
  }
  return errors.length === 0 ? { ok: true, rates } : { ok: false, errors };
}

/** Distance a skewed device clock is off (DESIGN §4 allows ±10 min, so this is always rejected). */
export const CLOCK_SKEW_MS = 20 * 60_000;

export interface WireMessage {
  topic: string;
  payload: string;
}

export interface FaultContext {
  siteId: string;
  deviceId: string;
  /** Another device of the fleet, for `foreign-topic`; without one that fault is skipped. */
  foreignDeviceId?: string;
  random: Random;
}

export interface FaultOutcome {
  /** In the order they go on the wire. */
  messages: WireMessage[];
  /** A reading kept back by `reorder`, to be sent after the next one. */
  held?: WireMessage;
}

function malformedPayload(reading: DeviceReading, random: Random): string {
  const json = JSON.stringify(reading);
  return random.chance(0.5)
    ? json.slice(0, Math.max(1, Math.floor(json.length / 2)))
    : JSON.stringify({ ...reading, seq: -1, occupied: "maybe", count: "many" });
}

function oversizedPayload(reading: DeviceReading): string {
  return JSON.stringify({ ...reading, debug: "x".repeat(MAX_DEVICE_PAYLOAD_BYTES + 256) });
}

/**
 * What goes on the wire for one reading given the faults that hit it. The reading itself still goes out (except
 * when held back for reordering), so garbage comes in addition to the truth: `malformed`, `oversized` and
 * `foreign-topic` add a message before it; `duplicate` sends it twice; `clock-skew` shifts its `ts` by ±20 minutes;
 * `reorder` holds it back until the next reading has gone out. A reading already held is released after this one.
 */
export function applyMessageFaults(
  reading: DeviceReading,
  faults: ReadonlySet<MessageFault>,
  context: FaultContext,
  held?: WireMessage,
): FaultOutcome {
  const own = deviceStateTopic(context.siteId, context.deviceId);
  const sent = faults.has("clock-skew")
    ? { ...reading, ts: Math.max(0, reading.ts + (context.random.chance(0.5) ? 1 : -1) * CLOCK_SKEW_MS) }
    : reading;
  const message: WireMessage = { topic: own, payload: JSON.stringify(sent) };
  const messages: WireMessage[] = [];
  if (faults.has("malformed")) messages.push({ topic: own, payload: malformedPayload(reading, context.random) });
  if (faults.has("oversized")) messages.push({ topic: own, payload: oversizedPayload(reading) });
  if (faults.has("foreign-topic") && context.foreignDeviceId !== undefined) {
    messages.push({ topic: deviceStateTopic(context.siteId, context.foreignDeviceId), payload: message.payload });
  }
  if (faults.has("reorder") && held === undefined) return { messages, held: message };
  messages.push(message);
  if (faults.has("duplicate")) messages.push(message);
  if (held !== undefined) messages.push(held);
  return { messages };
}
