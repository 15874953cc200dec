import { appendAuditRecord, type AuditEvent, type AuditRecord, type ChainHead } from "../../crypto/audit-chain.js";
import { canonicalJson, type JsonValue } from "../../crypto/canonical-json.js";
import type { Db } from "../database.js";
import { isUniqueViolation } from "../errors.js";

type Row = NonNullable<Awaited<ReturnType<Db["auditLog"]["findUnique"]>>>;

function toRecord(row: Row): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    action: row.action,
    actor: row.actor,
    orgId: row.orgId,
    target: row.target,
    outcome: row.outcome as AuditRecord["outcome"],
    details: row.details === null ? null : (JSON.parse(row.details) as AuditRecord["details"]),
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

const MAX_ATTEMPTS = 20;

/**
 * The audit table. Appends read the head and insert the next entry in one transaction; `seq` is the primary key,
 * so when another instance appended first the insert fails and the append starts again from the new head.
 */
export function auditLogRepository(db: Db) {
  return {
    async append(event: AuditEvent): Promise<AuditRecord> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await db.$transaction(async (tx) => {
            const last = await tx.auditLog.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
            const record = appendAuditRecord(last, event);
            await tx.auditLog.create({
              data: {
                seq: record.seq,
                at: record.at,
                action: record.action,
                actor: record.actor,
                orgId: record.orgId ?? null,
                target: record.target ?? null,
                outcome: record.outcome ?? null,
                details: record.details ? canonicalJson(record.details as JsonValue) : null,
                prevHash: record.prevHash,
                hash: record.hash,
              },
            });
            return record;
          });
        } catch (error) {
          if (!isUniqueViolation(error) || attempt >= MAX_ATTEMPTS) throw error;
        }
      }
    },

    /** Entries after `afterSeq` in seq order, `take` at a time. */
    async page(afterSeq: number, take: number): Promise<AuditRecord[]> {
      return (await db.auditLog.findMany({ where: { seq: { gt: afterSeq } }, orderBy: { seq: "asc" }, take })).map(
        toRecord,
      );
    },

    async head(): Promise<ChainHead | null> {
      return db.auditLog.findFirst({ orderBy: { seq: "desc" }, select: { seq: true, hash: true } });
    },

    /** The organisation's newest entries, newest first. */
    async recent(orgId: string, take: number): Promise<AuditRecord[]> {
      return (await db.auditLog.findMany({ where: { orgId }, orderBy: { seq: "desc" }, take })).map(toRecord);
    },
  };
}
export type AuditLogRepository = ReturnType<typeof auditLogRepository>;
