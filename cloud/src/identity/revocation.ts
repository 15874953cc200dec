import type { AccessTokenClaims } from "./tokens.js";

/**
 * The three revocation layers, as they stand when a request or socket event arrives:
 * - token: the `jti` is on the denylist (logout of one session), kept until the token's `exp`;
 * - user: the user's token version moved past the token's `ver` (logout everywhere, password or role change,
 *   account disabled); null when the user no longer exists or is disabled;
 * - platform: tokens issued before the platform epoch (unix seconds) are void (incident response, together with
 *   `SigningKeyRing.emergencyRotate`).
 */
export interface RevocationState {
  jtiRevoked: boolean;
  userTokenVersion: number | null;
  platformEpoch: number;
}

export type RevocationReason = "platform_revoked" | "user_revoked" | "token_revoked";

export type RevocationDecision = { ok: true } | { ok: false; reason: RevocationReason };

/** Every layer is checked on its own; one layer passing never excuses another failing. */
export function revocationDecision(
  claims: Pick<AccessTokenClaims, "iat" | "ver">,
  state: RevocationState,
): RevocationDecision {
  if (claims.iat < state.platformEpoch) return { ok: false, reason: "platform_revoked" };
  if (state.userTokenVersion === null || claims.ver !== state.userTokenVersion) {
    return { ok: false, reason: "user_revoked" };
  }
  if (state.jtiRevoked) return { ok: false, reason: "token_revoked" };
  return { ok: true };
}

/** What was revoked, as broadcast to every instance so each can drop the affected sockets. */
export type RevocationEvent =
  { layer: "token"; sid: string; jti: string } | { layer: "user"; sub: string } | { layer: "platform" };

/** The socket.io rooms a socket authenticated with these claims joins at connect time. */
export function socketRooms(claims: Pick<AccessTokenClaims, "sub" | "sid">): string[] {
  return [`user:${claims.sub}`, `session:${claims.sid}`];
}

/** The rooms whose sockets must be disconnected for a revocation; "all" for the platform layer. */
export function roomsToDisconnect(event: RevocationEvent): string[] | "all" {
  switch (event.layer) {
    case "token":
      return [`session:${event.sid}`];
    case "user":
      return [`user:${event.sub}`];
    case "platform":
      return "all";
  }
}
