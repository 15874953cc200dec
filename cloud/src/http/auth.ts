import type { Principal } from "../domain/principal.js";

/**
 * Turns a presented credential into a principal. Today: opaque API tokens; the identity issue swaps in JWT
 * verification here without touching routes or sockets.
 */
export interface Authenticator {
  authenticate(credential: string, now: Date): Promise<Principal | null>;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header ?? "");
  return match?.[1];
}
