import { hashApiToken, newApiToken } from "../../domain/api-token.js";
import { isScope, type Principal, type Scope } from "../../domain/principal.js";
import type { Db } from "../database.js";

export function apiTokenRepository(db: Db) {
  return {
    /** Returns the token itself once; only its hash is stored. */
    async create(
      orgId: string,
      input: { name: string; kind: Principal["kind"]; scopes: readonly Scope[]; expiresAt?: Date },
    ): Promise<{ id: string; token: string }> {
      const token = newApiToken();
      const row = await db.apiToken.create({
        data: {
          orgId,
          name: input.name,
          kind: input.kind,
          scopes: input.scopes.join(" "),
          tokenHash: hashApiToken(token),
          expiresAt: input.expiresAt ?? null,
        },
        select: { id: true },
      });
      return { id: row.id, token };
    },

    /**
     * The one lookup that is not scoped by organisation: the token is what tells which organisation is calling.
     */
    async principalFor(token: string, now: Date): Promise<Principal | null> {
      const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) } });
      if (!row || row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now)) return null;
      return {
        orgId: row.orgId,
        subject: `token:${row.id}`,
        kind: row.kind === "machine" ? "machine" : "user",
        scopes: row.scopes.split(" ").filter(isScope),
      };
    },

    async revoke(orgId: string, tokenId: string, now: Date): Promise<boolean> {
      const { count } = await db.apiToken.updateMany({
        where: { orgId, id: tokenId, revokedAt: null },
        data: { revokedAt: now },
      });
      return count > 0;
    },
  };
}
export type ApiTokenRepository = ReturnType<typeof apiTokenRepository>;
