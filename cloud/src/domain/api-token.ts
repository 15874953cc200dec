import { createHash, randomBytes } from "node:crypto";

/** Prefix that makes leaked tokens recognisable to secret scanners. */
export const TOKEN_PREFIX = "dsk_";

/** 256 random bits, base64url. */
export function newApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** Only this is stored; a fast hash is enough for a high-entropy random token. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && /^[A-Za-z0-9_-]{40,100}$/.test(token.slice(TOKEN_PREFIX.length));
}
