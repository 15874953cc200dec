import type { Role } from "../../identity/scopes.js";
import type { Db } from "../database.js";
import { isUniqueViolation } from "../errors.js";

/** A user row as stored: name and e-mail are ciphertexts, the e-mail's blind index finds the row at login. */
export interface UserRow {
  id: string;
  orgId: string;
  role: Role;
  siteIds: string[] | null;
  platformAdmin: boolean;
  nameEnc: string;
  emailEnc: string;
  emailIndex: string;
  passwordHash: string;
  tokenVersion: number;
  disabledAt: Date | null;
  createdAt: Date;
}

type Row = NonNullable<Awaited<ReturnType<Db["user"]["findUnique"]>>>;

function toUser(row: Row): UserRow {
  return {
    id: row.id,
    orgId: row.orgId,
    role: row.role as Role,
    siteIds: row.siteIds === null ? null : row.siteIds.split(" ").filter((id) => id !== ""),
    platformAdmin: row.platformAdmin,
    nameEnc: row.nameEnc,
    emailEnc: row.emailEnc,
    emailIndex: row.emailIndex,
    passwordHash: row.passwordHash,
    tokenVersion: row.tokenVersion,
    disabledAt: row.disabledAt,
    createdAt: row.createdAt,
  };
}

const joinSites = (siteIds: readonly string[] | null): string | null => (siteIds === null ? null : siteIds.join(" "));

export function userRepository(db: Db) {
  return {
    async create(
      row: Omit<UserRow, "tokenVersion" | "disabledAt" | "createdAt">,
    ): Promise<{ ok: true; user: UserRow } | { ok: false; reason: "email_taken" }> {
      try {
        const created = await db.user.create({ data: { ...row, siteIds: joinSites(row.siteIds) } });
        return { ok: true, user: toUser(created) };
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: "email_taken" };
        throw error;
      }
    },

    /** Unscoped: at login the e-mail's index is what tells which organisation the user belongs to. */
    async byEmailIndex(emailIndex: string): Promise<UserRow | null> {
      const row = await db.user.findUnique({ where: { emailIndex } });
      return row && toUser(row);
    },

    /** Unscoped: a verified token names its user; the caller compares the organisation. */
    async byId(id: string): Promise<UserRow | null> {
      const row = await db.user.findUnique({ where: { id } });
      return row && toUser(row);
    },

    async get(orgId: string, id: string): Promise<UserRow | null> {
      const row = await db.user.findFirst({ where: { orgId, id } });
      return row && toUser(row);
    },

    async list(orgId: string): Promise<UserRow[]> {
      return (await db.user.findMany({ where: { orgId }, orderBy: { createdAt: "asc" } })).map(toUser);
    },

    async count(): Promise<number> {
      return db.user.count();
    },

    /** Changes the role and bumps the token version, so tokens with the old scopes stop working at once. */
    async changeRole(
      orgId: string,
      id: string,
      role: Role,
      siteIds: readonly string[] | null,
    ): Promise<UserRow | null> {
      const { count } = await db.user.updateMany({
        where: { orgId, id },
        data: { role, siteIds: joinSites(siteIds), tokenVersion: { increment: 1 } },
      });
      return count === 0 ? null : this.get(orgId, id);
    },

    async bumpTokenVersion(orgId: string, id: string): Promise<boolean> {
      const { count } = await db.user.updateMany({ where: { orgId, id }, data: { tokenVersion: { increment: 1 } } });
      return count > 0;
    },

    async setPasswordHash(orgId: string, id: string, passwordHash: string, endSessions: boolean): Promise<boolean> {
      const { count } = await db.user.updateMany({
        where: { orgId, id },
        data: { passwordHash, ...(endSessions ? { tokenVersion: { increment: 1 } } : {}) },
      });
      return count > 0;
    },
  };
}
export type UserRepository = ReturnType<typeof userRepository>;
