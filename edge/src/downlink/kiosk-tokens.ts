import { timingSafeEqual } from "node:crypto";

import { hashSecret } from "../adapters/credentials.js";
import type { DownlinkCache } from "./cache.js";

export type KioskTokenCheck =
  { ok: true; credential: { id: string; name: string } } | { ok: false; reason: "unknown" | "expired" };

/**
 * Checks a kiosk's token (`dsk_kiosk_…`, enrolled in the cloud) against the kiosk credentials cached from the
 * cloud: SHA-256 of the token compared in constant time with every cached hash (no early exit), so the answer
 * takes as long for a near miss as for a stranger. A revoked credential is absent from the cache; an expired one
 * is refused by `now` (the edge's clock), also while the cloud is out of reach.
 */
export function checkKioskToken(cache: DownlinkCache, token: string, now: number): KioskTokenCheck {
  const candidate = hashSecret(token);
  let found: { id: string; name: string; expiresAt: number | null } | null = null;
  for (const credential of cache.kioskCredentials()) {
    if (credential.hash.length === candidate.length && timingSafeEqual(credential.hash, candidate)) {
      found = credential;
    }
  }
  if (found === null) return { ok: false, reason: "unknown" };
  if (found.expiresAt !== null && found.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, credential: { id: found.id, name: found.name } };
}
