import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

import type { CredentialKind, SqliteStore } from "./sqlite-store.js";

/**
 * Device passwords and kiosk tokens are random secrets of at least 128 bits, so a fast hash is enough: there is
 * nothing to brute-force. Only the hash is stored; comparison is constant-time.
 */
export function hashSecret(secret: string | Uint8Array): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

export function secretMatches(secret: string | Uint8Array, hash: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === hash.length && timingSafeEqual(candidate, hash);
}

/** Checks presented secrets against the hashes in the store (loaded once; provisioning happens before start). */
export class CredentialCheck {
  private readonly hashes = new Map<CredentialKind, Map<string, Buffer>>();

  constructor(store: SqliteStore) {
    for (const kind of ["device", "kiosk", "observer"] as const) {
      this.hashes.set(kind, new Map(store.credentials(kind).map((entry) => [entry.id, entry.hash])));
    }
  }

  verify(kind: CredentialKind, id: string, secret: string | Uint8Array | undefined): boolean {
    const hash = this.hashes.get(kind)?.get(id);
    if (secret === undefined || hash === undefined) return false;
    return secretMatches(secret, hash);
  }

  /** Which credential of `kind` the secret belongs to, if any (kiosks present a token without an id). */
  identify(kind: CredentialKind, secret: string): string | null {
    const candidate = hashSecret(secret);
    let found: string | null = null;
    for (const [id, hash] of this.hashes.get(kind) ?? []) {
      if (hash.length === candidate.length && timingSafeEqual(hash, candidate)) found = id;
    }
    return found;
  }
}
