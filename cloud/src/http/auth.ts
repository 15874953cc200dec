import type { Principal } from "../identity/scopes.js";

/**
 * Turns a presented credential (an access JWT or a machine secret) into a principal, or null when it is invalid,
 * expired or revoked. `access/authenticator.ts` implements it; REST and sockets share it.
 */
export interface Authenticator {
  authenticate(credential: string, now: Date): Promise<Principal | null>;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header ?? "");
  return match?.[1];
}
