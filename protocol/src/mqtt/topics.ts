import { isId } from "../ids.js";

/** Root of every topic of this protocol version. */
export const TOPIC_ROOT = "desksharing/v1";

export const DEVICE_CHANNELS = ["state", "status"] as const;
export type DeviceChannel = (typeof DEVICE_CHANNELS)[number];

export interface DeviceTopic {
  siteId: string;
  deviceId: string;
  channel: DeviceChannel;
}

export class InvalidTopicIdError extends Error {
  override name = "InvalidTopicIdError";
  readonly code = "VALIDATION_FAILED";
  constructor(what: string, value: string) {
    super(`invalid ${what} for an MQTT topic: ${JSON.stringify(value)}`);
  }
}

function requireId(what: string, value: string): string {
  if (!isId(value)) throw new InvalidTopicIdError(what, value);
  return value;
}

/** `desksharing/v1/{siteId}/devices/{deviceId}/{channel}`; throws on wildcards, separators or empty ids. */
export function deviceTopic(siteId: string, deviceId: string, channel: DeviceChannel): string {
  return `${TOPIC_ROOT}/${requireId("site id", siteId)}/devices/${requireId("device id", deviceId)}/${channel}`;
}

export function deviceStateTopic(siteId: string, deviceId: string): string {
  return deviceTopic(siteId, deviceId, "state");
}

export function deviceStatusTopic(siteId: string, deviceId: string): string {
  return deviceTopic(siteId, deviceId, "status");
}

/** The subscription filter for every device topic of one site (the only place a wildcard is built). */
export function siteDevicesFilter(siteId: string): string {
  return `${TOPIC_ROOT}/${requireId("site id", siteId)}/devices/+/+`;
}

/** Parses a concrete device topic; returns null for anything else (wildcards, extra levels, bad ids). */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  const parts = topic.split("/");
  if (parts.length !== 6) return null;
  const [root, version, siteId, devices, deviceId, channel] = parts;
  if (`${root}/${version}` !== TOPIC_ROOT || devices !== "devices") return null;
  if (!isId(siteId) || !isId(deviceId)) return null;
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel ?? "")) return null;
  return { siteId, deviceId, channel: channel as DeviceChannel };
}
