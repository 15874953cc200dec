import { z } from "zod";

/**
 * An identifier that is safe in an MQTT topic level, a URL path segment and a file name:
 * letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 64 characters.
 * MQTT wildcards (`+`, `#`), the level separator `/` and empty strings are rejected.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const Id = z.string().regex(ID_PATTERN, "must be 1-64 characters of letters, digits, '.', '_' or '-'");

export const SiteId = Id.describe("site id");
export const DeviceId = Id.describe("device id");
export const DeskId = Id.describe("desk id");
export const RoomId = Id.describe("room id");
export const FloorId = Id.describe("floor id");

export function isId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}
