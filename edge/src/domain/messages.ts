import type { DeadLetterReason } from "@desksharing/protocol";
import {
  DEAD_LETTER_REASONS,
  DeviceReading,
  DeviceStatus,
  isId,
  MAX_CLOCK_SKEW_MS,
  MAX_DEVICE_PAYLOAD_BYTES,
  parseDeviceTopic,
} from "@desksharing/protocol";
import type { z } from "zod";

import type { DeviceState } from "./devices.js";

export type Verdict =
  | { type: "reading"; device: DeviceState; reading: DeviceReading; newBoot: boolean }
  | { type: "status"; device: DeviceState; status: DeviceStatus }
  | { type: "reject"; reason: DeadLetterReason; detail: string; deviceId: string | null };

export interface MessageContext {
  siteId: string;
  devices: ReadonlyMap<string, DeviceState>;
  /** Virtual time of arrival. */
  now: number;
  /**
   * The broker proved who published (embedded broker: client id checked against the topic). Behind an external
   * broker anyone with access may publish on any topic, so a reading from a boot the device never announced is
   * taken as someone else's.
   */
  publisherVerified: boolean;
  /**
   * Whether (device, boot, seq) was already accepted (stored or waiting in the current batch), or lies so far
   * below the device's newest seq that it can only be a replay (replay-window.ts).
   */
  seen(deviceId: string, boot: string, seq: number): boolean;
}

const utf8 = new TextDecoder();

function reject(reason: DeadLetterReason, detail: string, deviceId: string | null = null): Verdict {
  return { type: "reject", reason, detail, deviceId };
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

const READING_KEYS = new Set(["v", "ts", "seq", "boot", "kind", "occupied", "count", "battery", "rssi", "fw"]);
const UINT32_MAX = 0xffff_ffff;

function optionalInteger(value: unknown, min: number, max: number): boolean {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max);
}

/**
 * The common reading, checked without zod (which cost a twentieth of the ingest CPU): returns the reading only
 * when {@link DeviceReading} surely accepts it, null for anything else, which then goes through the schema, so
 * the schema stays the only judge of what is refused and why.
 */
export function plainReading(json: unknown): DeviceReading | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const r = json as Record<string, unknown>;
  for (const key in r) if (!READING_KEYS.has(key)) return null;
  if (r.v !== 1 || !isId(r.boot)) return null;
  if (!Number.isSafeInteger(r.ts) || (r.ts as number) < 0) return null;
  if (!optionalInteger(r.seq, 0, UINT32_MAX) || r.seq === undefined) return null;
  if (r.occupied !== undefined && typeof r.occupied !== "boolean") return null;
  if (!optionalInteger(r.count, 0, 10_000) || !optionalInteger(r.rssi, -150, 0)) return null;
  if (r.battery !== undefined && !(typeof r.battery === "number" && r.battery >= 0 && r.battery <= 100)) return null;
  if (r.fw !== undefined && !(typeof r.fw === "string" && r.fw.length >= 1 && r.fw.length <= 32)) return null;
  if (r.kind === "desk") return r.occupied === undefined ? null : (r as DeviceReading);
  if (r.kind === "room") return r.count === undefined ? null : (r as DeviceReading);
  return null;
}

/**
 * Why a client may not publish on `topic`, or null when it may: a device publishes only on its own state and
 * status topics of its own site.
 */
export function publishRefusal(
  topic: string,
  clientId: string,
  siteId: string,
  devices: ReadonlyMap<string, unknown>,
): { reason: DeadLetterReason; detail: string } | null {
  const parsed = parseDeviceTopic(topic);
  if (parsed === null)
    return { reason: DEAD_LETTER_REASONS.MALFORMED_TOPIC, detail: `${clientId} published on a non-device topic` };
  if (parsed.siteId !== siteId)
    return { reason: DEAD_LETTER_REASONS.FOREIGN_SITE, detail: `${clientId} published for site ${parsed.siteId}` };
  if (parsed.deviceId !== clientId || !devices.has(clientId)) {
    return { reason: DEAD_LETTER_REASONS.FOREIGN_TOPIC, detail: `${clientId} published as ${parsed.deviceId}` };
  }
  return null;
}

/**
 * Decides what one MQTT message is: an acceptable reading, a lifecycle status, or a dead letter with its reason.
 * Pure: the clock and the dedup lookup come in through `ctx`.
 */
export function classifyMessage(topic: string, payload: Uint8Array, ctx: MessageContext): Verdict {
  const parsed = parseDeviceTopic(topic);
  if (parsed === null) return reject(DEAD_LETTER_REASONS.MALFORMED_TOPIC, "not a device state or status topic");
  if (parsed.siteId !== ctx.siteId) return reject(DEAD_LETTER_REASONS.FOREIGN_SITE, `site ${parsed.siteId}`);
  const device = ctx.devices.get(parsed.deviceId);
  if (device === undefined)
    return reject(DEAD_LETTER_REASONS.UNKNOWN_DEVICE, "device is not provisioned", parsed.deviceId);
  const id = device.deviceId;
  if (payload.byteLength > MAX_DEVICE_PAYLOAD_BYTES) {
    return reject(DEAD_LETTER_REASONS.OVERSIZED, `${payload.byteLength} bytes > ${MAX_DEVICE_PAYLOAD_BYTES}`, id);
  }
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(payload));
  } catch (error) {
    return reject(DEAD_LETTER_REASONS.BAD_JSON, (error as Error).message.slice(0, 200), id);
  }
  if (parsed.channel === "status") {
    const status = DeviceStatus.safeParse(json);
    if (!status.success) return reject(DEAD_LETTER_REASONS.SCHEMA, describe(status.error), id);
    if (status.data.state === "offline" && device.boot !== null && status.data.boot !== device.boot) {
      return reject(
        DEAD_LETTER_REASONS.STALE_BOOT,
        `last will of boot ${status.data.boot}, device is on ${device.boot}`,
        id,
      );
    }
    return { type: "status", device, status: status.data };
  }
  let reading = plainReading(json);
  if (reading === null) {
    const result = DeviceReading.safeParse(json);
    if (!result.success) return reject(DEAD_LETTER_REASONS.SCHEMA, describe(result.error), id);
    reading = result.data;
  }
  if (reading.kind !== device.kind) {
    return reject(DEAD_LETTER_REASONS.KIND_MISMATCH, `${reading.kind} reading from a ${device.kind} sensor`, id);
  }
  let newBoot = device.boot === null;
  if (device.boot !== null && reading.boot !== device.boot) {
    if (!ctx.publisherVerified) {
      return reject(DEAD_LETTER_REASONS.FOREIGN_TOPIC, `boot ${reading.boot} was never announced by ${id}`, id);
    }
    if (reading.ts < (device.bootTs ?? 0)) {
      return reject(DEAD_LETTER_REASONS.STALE_BOOT, `boot ${reading.boot} ended before boot ${device.boot}`, id);
    }
    newBoot = true;
  }
  if (Math.abs(reading.ts - ctx.now) > MAX_CLOCK_SKEW_MS) {
    return reject(
      DEAD_LETTER_REASONS.CLOCK_SKEW,
      `ts ${reading.ts} is ${reading.ts - ctx.now} ms from gateway time`,
      id,
    );
  }
  if (ctx.seen(id, reading.boot, reading.seq)) {
    return reject(
      DEAD_LETTER_REASONS.DUPLICATE,
      `boot ${reading.boot} seq ${reading.seq} already received or behind the replay window`,
      id,
    );
  }
  return { type: "reading", device, reading, newBoot };
}
