import type { JsonValue } from "./canonical-json.js";

const SECRET_WORDS = new Set(["password", "passwd", "passphrase", "pwd", "secret", "token", "authorization", "cookie"]);
const SECRET_PAIRS = [
  ["api", "key"],
  ["private", "key"],
  ["access", "key"],
];
/** A key that ends in one of these names metadata about a secret, not the secret (`tokenVersion`, `secretPrefix`). */
const METADATA_SUFFIXES = new Set([
  "id",
  "ids",
  "hint",
  "prefix",
  "count",
  "version",
  "family",
  "kind",
  "type",
  "at",
  "expiry",
  "expires",
  "scope",
  "scopes",
  "reason",
]);

/** Values that are our credentials or something derived from a password, whatever key they hide under. */
const SECRET_VALUE_PATTERNS = [
  /\bdsr_[A-Za-z0-9_-]{40,}/, // refresh token
  /\bdsk_[a-z]+_[A-Za-z0-9_-]{40,}/, // machine credential
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, // JWT
  /\$argon2(id|i|d)\$/, // password hash
  /\bBearer\s+\S{16,}/i,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

function isSecretKey(key: string): boolean {
  const parts = words(key);
  const last = parts.at(-1);
  if (last === undefined || METADATA_SUFFIXES.has(last)) return false;
  if (parts.some((word) => SECRET_WORDS.has(word) || word === "pin" || word === "otp")) return true;
  return SECRET_PAIRS.some(([a, b]) => parts.some((word, i) => word === a && parts[i + 1] === b));
}

/**
 * Paths (like `details.refreshToken`) of everything in an audit event that looks like a secret. The audit log must
 * never hold one: it is kept for years and shipped off the host.
 */
export function findSecrets(value: JsonValue, path = "$"): string[] {
  if (typeof value === "string") return SECRET_VALUE_PATTERNS.some((re) => re.test(value)) ? [path] : [];
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecrets(item, `${path}[${index}]`));
  return Object.entries(value).flatMap(([key, item]) => {
    if (item === undefined) return [];
    if (isSecretKey(key) && item !== null) return [`${path}.${key}`];
    return findSecrets(item, `${path}.${key}`);
  });
}
