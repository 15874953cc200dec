import type { DataKeyStore, KeyAccessLog } from "../../crypto/data-keys.js";
import type { Db } from "../database.js";
import { isUniqueViolation } from "../errors.js";

/** Wrapped data keys; generation 1 is unique per owner, so two instances creating the first key agree on one. */
export function dataKeyStore(db: Db): DataKeyStore {
  return {
    async list(ownerId) {
      const rows = await db.dataKey.findMany({ where: { ownerId }, orderBy: { generation: "desc" } });
      return rows.map(({ ownerId: owner, keyId, wrapped, createdAt }) => ({
        ownerId: owner,
        keyId,
        wrapped,
        createdAt,
      }));
    },
    async listAll() {
      const rows = await db.dataKey.findMany({ orderBy: [{ ownerId: "asc" }, { generation: "asc" }] });
      return rows.map(({ ownerId, keyId, wrapped, createdAt }) => ({ ownerId, keyId, wrapped, createdAt }));
    },
    async insertFirst(row) {
      try {
        await db.dataKey.create({ data: { ...row, generation: 1 } });
        return "inserted";
      } catch (error) {
        if (isUniqueViolation(error)) return "conflict";
        throw error;
      }
    },
    async replaceWrapped(ownerId, keyId, expected, replacement) {
      const { count } = await db.dataKey.updateMany({
        where: { ownerId, keyId, wrapped: expected },
        data: { wrapped: replacement },
      });
      return count > 0;
    },
  };
}

/** The key-access log in the database; a failed insert throws, and the key operation fails with it. */
export function keyAccessLog(db: Db): KeyAccessLog & {
  list(
    ownerId: string,
    take: number,
  ): Promise<{ at: Date; actor: string; keyId: string; operation: string; purpose: string }[]>;
} {
  return {
    async record(event) {
      await db.keyAccessLog.create({ data: event });
    },
    async list(ownerId, take) {
      return db.keyAccessLog.findMany({
        where: { ownerId },
        orderBy: { id: "desc" },
        take,
        select: { at: true, actor: true, keyId: true, operation: true, purpose: true },
      });
    },
  };
}
