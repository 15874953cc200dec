import { pbkdf2Sync, randomBytes } from "node:crypto";

import { DEVICE_CHANNELS, deviceTopic, siteDevicesFilter, TOPIC_ROOT } from "@desksharing/protocol";

/**
 * Mosquitto 2's password hash, as `mosquitto_passwd` writes it: `$7$<iterations>$<salt>$<hash>`, PBKDF2-HMAC-SHA512,
 * base64. Mosquitto drops a line whose salt is not 12 bytes or whose hash is not 64 bytes.
 */
const SALT_BYTES = 12;
const HASH_BYTES = 64;
/**
 * Mosquitto's own default. The secrets are random (at least 128 bits), so more iterations would protect nothing;
 * they would cost the broker at every CONNECT (thousands of devices reconnect at once after a broker restart).
 */
const ITERATIONS = 101;
const BASE64 = "[A-Za-z0-9+/]+={0,2}";
const HASH_LINE = new RegExp(`^([^:#\\s][^:]*):(\\$7\\$[1-9][0-9]*\\$${BASE64}\\$${BASE64})$`);

export function mosquittoPasswordHash(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const hash = pbkdf2Sync(password, salt, ITERATIONS, HASH_BYTES, "sha512");
  return `$7$${ITERATIONS}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** The `$7$` hashes of a password file by user name; other lines (comments, other hash types) are left out. */
export function parseMosquittoPasswordFile(text: string): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = HASH_LINE.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) hashes.set(match[1], match[2]);
  }
  return hashes;
}

export function mosquittoPasswordFile(siteId: string, entries: readonly { username: string; hash: string }[]): string {
  return [
    `# Mosquitto password file of site ${siteId}, rewritten by the edge's provisioning: do not edit.`,
    ...entries.map((entry) => `${entry.username}:${entry.hash}`),
    "",
  ].join("\n");
}

/**
 * Per-user rules rather than `pattern write …/devices/%u/#`: Mosquitto applies a pattern to every user, which would
 * let the observer and the gateway publish under `devices/<their user name>/`. A device may publish its own
 * topics only; devices subscribe to nothing.
 */
export function mosquittoAclFile(
  siteId: string,
  users: { gateway: string; observer: string; devices: readonly string[] },
): string {
  return [
    `# Mosquitto ACL file of site ${siteId}, rewritten by the edge's provisioning: do not edit.`,
    `user ${users.gateway}`,
    `topic read ${siteDevicesFilter(siteId)}`,
    `user ${users.observer}`,
    `topic read ${TOPIC_ROOT}/${siteId}/#`,
    ...users.devices.flatMap((deviceId) => [
      `user ${deviceId}`,
      ...DEVICE_CHANNELS.map((channel) => `topic write ${deviceTopic(siteId, deviceId, channel)}`),
    ]),
    "",
  ].join("\n");
}
