import {
  DEFAULT_REFRESH_POLICY,
  type RefreshPolicy,
  type RefreshTokenRecord,
  generateRefreshToken,
  hashRefreshToken,
  newFamilyId,
  refreshDecision,
} from "./refresh-tokens.js";

/** Storage of refresh tokens; a Prisma model `RefreshToken` with these columns (hash unique) satisfies it. */
export interface RefreshTokenStore {
  findByHash(hash: string): Promise<RefreshTokenRecord | null>;
  insert(record: RefreshTokenRecord): Promise<void>;
  /**
   * Marks `usedHash` used and inserts `successor`, in one transaction, only if `usedHash` was still unused and
   * unrevoked (`UPDATE ... WHERE usedAt IS NULL AND revokedAt IS NULL`, then insert). False when another request
   * got there first: that is a reuse.
   */
  rotate(usedHash: string, usedAt: Date, successor: RefreshTokenRecord): Promise<boolean>;
  /** Each revoke commits on its own; it must never be rolled back with a failing request. Returns rows changed. */
  revokeFamily(familyId: string, at: Date): Promise<number>;
  revokeUser(userId: string, at: Date): Promise<number>;
  revokeAll(at: Date): Promise<number>;
  /** The user's sessions that are not revoked, for "where am I signed in" (ASVS 7.5.2). */
  listSessions(userId: string): Promise<{ familyId: string; familyCreatedAt: Date; lastUsedAt: Date }[]>;
}

export type RefreshResult =
  | { ok: true; token: string; familyId: string; userId: string; orgId: string }
  | { ok: false; code: "unknown" | "revoked" | "expired"; familyId?: string }
  | { ok: false; code: "reuse_detected"; familyId: string; userId: string; orgId: string };

/**
 * Refresh-token sessions: login starts a family, each refresh rotates, reuse revokes the family. The caller audits
 * `reuse_detected` (`authn_token_reuse`) and bumps nothing else: the other sessions of the user stay.
 */
export class RefreshSessions {
  readonly policy: RefreshPolicy;

  constructor(
    private readonly store: RefreshTokenStore,
    policy: Partial<RefreshPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_REFRESH_POLICY, ...policy };
  }

  async start(subject: { userId: string; orgId: string }, now: Date): Promise<{ token: string; familyId: string }> {
    const { token, hash } = generateRefreshToken();
    const familyId = newFamilyId();
    await this.store.insert({
      hash,
      familyId,
      userId: subject.userId,
      orgId: subject.orgId,
      createdAt: now,
      familyCreatedAt: now,
      usedAt: null,
      revokedAt: null,
    });
    return { token, familyId };
  }

  async refresh(presented: string, now: Date): Promise<RefreshResult> {
    const hash = hashRefreshToken(presented);
    const record = hash === null ? null : await this.store.findByHash(hash);
    const decision = refreshDecision(record, now, this.policy);
    switch (decision.action) {
      case "unknown":
        return { ok: false, code: "unknown" };
      case "revoked":
        return { ok: false, code: "revoked", familyId: decision.familyId };
      case "expired":
        await this.store.revokeFamily(decision.familyId, now);
        return { ok: false, code: "expired", familyId: decision.familyId };
      case "reuse_detected":
        await this.store.revokeFamily(decision.familyId, now);
        return {
          ok: false,
          code: "reuse_detected",
          familyId: decision.familyId,
          userId: decision.userId,
          orgId: decision.orgId,
        };
      case "rotate": {
        const { token, hash: successorHash } = generateRefreshToken();
        const rotated = await this.store.rotate(hash!, now, {
          hash: successorHash,
          familyId: decision.familyId,
          userId: decision.userId,
          orgId: decision.orgId,
          createdAt: now,
          familyCreatedAt: record!.familyCreatedAt,
          usedAt: null,
          revokedAt: null,
        });
        if (!rotated) {
          await this.store.revokeFamily(decision.familyId, now);
          return {
            ok: false,
            code: "reuse_detected",
            familyId: decision.familyId,
            userId: decision.userId,
            orgId: decision.orgId,
          };
        }
        return { ok: true, token, familyId: decision.familyId, userId: decision.userId, orgId: decision.orgId };
      }
    }
  }

  /** Logout of one session; the caller also denylists the current access token's jti until its exp. */
  logout(familyId: string, now: Date): Promise<number> {
    return this.store.revokeFamily(familyId, now);
  }

  /** Logout everywhere; the caller also bumps the user's token version so live access tokens die too. */
  logoutEverywhere(userId: string, now: Date): Promise<number> {
    return this.store.revokeUser(userId, now);
  }

  /** Platform revocation; the caller also moves the platform epoch and may rotate the signing keys. */
  revokeAll(now: Date): Promise<number> {
    return this.store.revokeAll(now);
  }
}

/** The single-process store: used by tests, and as the reference for the database implementation's behaviour. */
export class InMemoryRefreshTokenStore implements RefreshTokenStore {
  private readonly rows = new Map<string, RefreshTokenRecord>();

  findByHash(hash: string): Promise<RefreshTokenRecord | null> {
    const row = this.rows.get(hash);
    return Promise.resolve(row ? { ...row } : null);
  }

  insert(record: RefreshTokenRecord): Promise<void> {
    if (this.rows.has(record.hash)) return Promise.reject(new Error("duplicate refresh token hash"));
    this.rows.set(record.hash, { ...record });
    return Promise.resolve();
  }

  rotate(usedHash: string, usedAt: Date, successor: RefreshTokenRecord): Promise<boolean> {
    const row = this.rows.get(usedHash);
    if (!row || row.usedAt !== null || row.revokedAt !== null) return Promise.resolve(false);
    row.usedAt = usedAt;
    this.rows.set(successor.hash, { ...successor });
    return Promise.resolve(true);
  }

  revokeFamily(familyId: string, at: Date): Promise<number> {
    return Promise.resolve(this.revokeWhere((row) => row.familyId === familyId, at));
  }

  revokeUser(userId: string, at: Date): Promise<number> {
    return Promise.resolve(this.revokeWhere((row) => row.userId === userId, at));
  }

  revokeAll(at: Date): Promise<number> {
    return Promise.resolve(this.revokeWhere(() => true, at));
  }

  listSessions(userId: string): Promise<{ familyId: string; familyCreatedAt: Date; lastUsedAt: Date }[]> {
    const sessions = new Map<string, { familyId: string; familyCreatedAt: Date; lastUsedAt: Date }>();
    for (const row of this.rows.values()) {
      if (row.userId !== userId || row.revokedAt !== null) continue;
      const known = sessions.get(row.familyId);
      if (!known || known.lastUsedAt < row.createdAt) {
        sessions.set(row.familyId, {
          familyId: row.familyId,
          familyCreatedAt: row.familyCreatedAt,
          lastUsedAt: row.createdAt,
        });
      }
    }
    return Promise.resolve([...sessions.values()]);
  }

  private revokeWhere(match: (row: RefreshTokenRecord) => boolean, at: Date): number {
    let count = 0;
    for (const row of this.rows.values()) {
      if (match(row) && row.revokedAt === null) {
        row.revokedAt = at;
        count += 1;
      }
    }
    return count;
  }
}
