import type { RefreshTokenStore } from "../../identity/refresh-sessions.js";
import type { RefreshTokenRecord } from "../../identity/refresh-tokens.js";
import type { Db } from "../database.js";

type Row = NonNullable<Awaited<ReturnType<Db["refreshToken"]["findUnique"]>>>;

function toRecord(row: Row): RefreshTokenRecord {
  return {
    hash: row.hash,
    familyId: row.familyId,
    userId: row.userId,
    orgId: row.orgId,
    createdAt: row.createdAt,
    familyCreatedAt: row.familyCreatedAt,
    usedAt: row.usedAt,
    revokedAt: row.revokedAt,
  };
}

/** Refresh tokens in the database. Revocations are single statements, committed whatever the request does next. */
export function refreshTokenStore(db: Db): RefreshTokenStore & {
  familyRevoked(familyId: string): Promise<boolean>;
} {
  return {
    async findByHash(hash) {
      const row = await db.refreshToken.findUnique({ where: { hash } });
      return row && toRecord(row);
    },
    async insert(record) {
      await db.refreshToken.create({ data: record });
    },
    async rotate(usedHash, usedAt, successor) {
      return db.$transaction(async (tx) => {
        const { count } = await tx.refreshToken.updateMany({
          where: { hash: usedHash, usedAt: null, revokedAt: null },
          data: { usedAt },
        });
        if (count === 0) return false;
        await tx.refreshToken.create({ data: successor });
        return true;
      });
    },
    async revokeFamily(familyId, at) {
      return (await db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: at } }))
        .count;
    },
    async revokeUser(userId, at) {
      return (await db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } })).count;
    },
    async revokeAll(at) {
      return (await db.refreshToken.updateMany({ where: { revokedAt: null }, data: { revokedAt: at } })).count;
    },
    async listSessions(userId) {
      const rows = await db.refreshToken.findMany({
        where: { userId, revokedAt: null },
        orderBy: { createdAt: "asc" },
      });
      const sessions = new Map<string, { familyId: string; familyCreatedAt: Date; lastUsedAt: Date }>();
      for (const row of rows) {
        sessions.set(row.familyId, {
          familyId: row.familyId,
          familyCreatedAt: row.familyCreatedAt,
          lastUsedAt: row.createdAt,
        });
      }
      return [...sessions.values()];
    },
    /** A session whose refresh tokens were revoked (logout, reuse): its access tokens die with it. */
    async familyRevoked(familyId) {
      const row = await db.refreshToken.findFirst({
        where: { familyId, revokedAt: { not: null } },
        select: { hash: true },
      });
      return row !== null;
    },
  };
}
