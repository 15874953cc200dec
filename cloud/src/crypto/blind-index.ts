import { createHmac, hkdfSync } from "node:crypto";
import type { DataKeyService, KeyAccessContext } from "./data-keys.js";

/**
 * Owner id of the platform-wide key that blind-index keys are derived from. It cannot collide with an
 * organisation id, which must start with a letter or digit.
 */
export const PLATFORM_KEY_OWNER = "_platform";

export type BlindIndexPurpose = "email" | "badge";

/**
 * Derives an index key with its own purpose label, so an index key never equals a data key and an e-mail index
 * cannot be compared with a badge index. The root is a wrapped platform DEK rather than the KEK itself: a KEK
 * rotation re-wraps that DEK and every stored index stays valid.
 */
export function deriveBlindIndexKey(rootKey: Buffer, purpose: BlindIndexPurpose): Buffer {
  return Buffer.from(hkdfSync("sha256", rootKey, "desksharing/blind-index/v1", `blind-index:${purpose}`, 32));
}

export async function loadBlindIndexKey(
  keys: DataKeyService,
  purpose: BlindIndexPurpose,
  context: KeyAccessContext,
  now: Date,
): Promise<Buffer> {
  return deriveBlindIndexKey((await keys.currentKey(PLATFORM_KEY_OWNER, context, now)).key, purpose);
}

export function normalizeEmail(email: string): string {
  return email.normalize("NFKC").trim().toLowerCase();
}

/** HMAC-SHA-256, base64url; equal inputs give equal indexes, and nothing about the input leaks without the key. */
export function blindIndex(value: string, indexKey: Buffer): string {
  return createHmac("sha256", indexKey).update(value, "utf8").digest("base64url");
}

export function emailBlindIndex(email: string, indexKey: Buffer): string {
  return blindIndex(normalizeEmail(email), indexKey);
}
