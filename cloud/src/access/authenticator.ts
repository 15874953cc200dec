import type { Repositories } from "../db/repositories/index.js";
import type { Authenticator } from "../http/auth.js";
import { MACHINE_SECRET_PREFIX } from "../identity/machine-secrets.js";
import { revocationDecision } from "../identity/revocation.js";
import type { Principal } from "../identity/scopes.js";
import type { MachineCredentials } from "./machines.js";
import type { Signing } from "./signing.js";

/**
 * Access JWTs (users) and machine secrets, checked on every request and socket handshake: signature, algorithm,
 * type, issuer, audience and lifetime, then the three revocation layers (token and session, user token version,
 * platform epoch), each on its own.
 */
export function createAuthenticator(deps: {
  repos: Repositories;
  signing: Signing;
  machines: MachineCredentials;
}): Authenticator {
  const { repos, signing, machines } = deps;
  return {
    async authenticate(credential: string, now: Date): Promise<Principal | null> {
      if (credential.startsWith(MACHINE_SECRET_PREFIX)) return machines.authenticate(credential, now);
      const verified = await signing.verify(credential, now);
      if (!verified.ok) return null;
      const claims = verified.claims;
      const [user, platform, jtiDenied, sessionRevoked] = await Promise.all([
        repos.users.byId(claims.sub),
        repos.revocations.platformState(),
        repos.revocations.jtiDenied(claims.jti),
        repos.refreshTokens.familyRevoked(claims.sid),
      ]);
      if (!user || user.orgId !== claims.org) return null;
      const decision = revocationDecision(claims, {
        jtiRevoked: jtiDenied || sessionRevoked,
        userTokenVersion: user.disabledAt === null ? user.tokenVersion : null,
        platformEpoch: platform.epoch,
      });
      if (!decision.ok) return null;
      return {
        kind: "user",
        id: claims.sub,
        orgId: claims.org,
        scopes: claims.scopes,
        siteIds: claims.sites === "*" ? "all" : claims.sites,
        session: { sid: claims.sid, jti: claims.jti, expiresAt: new Date(claims.exp * 1000) },
        expiresAt: new Date(claims.exp * 1000),
      };
    },
  };
}
