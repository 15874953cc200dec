import type { MachineCredentialRecord } from "../../identity/machine-secrets.js";
import { parseScopes, type MachineKind } from "../../identity/scopes.js";
import type { Db } from "../database.js";

type Row = NonNullable<Awaited<ReturnType<Db["machineCredential"]["findUnique"]>>>;

function toRecord(row: Row): MachineCredentialRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    siteId: row.siteId,
    kind: row.kind as MachineKind,
    name: row.name,
    scopes: parseScopes(row.scopes),
    hash: row.hash,
    hint: row.hint,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

export function machineCredentialRepository(db: Db) {
  return {
    /** Null when the site is not one of the organisation's. */
    async create(
      orgId: string,
      input: Omit<MachineCredentialRecord, "id" | "orgId" | "createdAt" | "revokedAt" | "lastUsedAt">,
      now: Date,
    ): Promise<MachineCredentialRecord | null> {
      const site = await db.site.findFirst({ where: { orgId, id: input.siteId }, select: { id: true } });
      if (!site) return null;
      const row = await db.machineCredential.create({
        data: { ...input, orgId, scopes: input.scopes.join(" "), createdAt: now },
      });
      return toRecord(row);
    },

    /** Unscoped: the presented secret is what tells which organisation is calling. */
    async byHash(hash: string): Promise<MachineCredentialRecord | null> {
      const row = await db.machineCredential.findUnique({ where: { hash } });
      return row && toRecord(row);
    },

    async list(orgId: string): Promise<MachineCredentialRecord[]> {
      return (await db.machineCredential.findMany({ where: { orgId }, orderBy: { createdAt: "asc" } })).map(toRecord);
    },

    /** The credentials of one kind at one site that are not revoked, by id. */
    async unrevokedOfSite(orgId: string, siteId: string, kind: MachineKind): Promise<MachineCredentialRecord[]> {
      const rows = await db.machineCredential.findMany({
        where: { orgId, siteId, kind, revokedAt: null },
        orderBy: { id: "asc" },
      });
      return rows.map(toRecord);
    },

    async get(orgId: string, id: string): Promise<MachineCredentialRecord | null> {
      const row = await db.machineCredential.findFirst({ where: { orgId, id } });
      return row && toRecord(row);
    },

    async revoke(orgId: string, id: string, now: Date): Promise<boolean> {
      const { count } = await db.machineCredential.updateMany({
        where: { orgId, id, revokedAt: null },
        data: { revokedAt: now },
      });
      return count > 0;
    },

    async recordUse(id: string, now: Date): Promise<void> {
      await db.machineCredential.updateMany({ where: { id }, data: { lastUsedAt: now } });
    },
  };
}
export type MachineCredentialRepository = ReturnType<typeof machineCredentialRepository>;
