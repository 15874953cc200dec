import { createHash } from "node:crypto";
import { findSecrets } from "./audit-redaction.js";
import { type JsonValue, canonicalJson } from "./canonical-json.js";

/** What happened. `at` is an ISO-8601 UTC timestamp; `actor` and `target` are ids, never names or e-mails. */
export interface AuditEvent {
  at: string;
  action: string;
  actor: string;
  orgId?: string | null;
  target?: string | null;
  outcome?: "success" | "failure" | null;
  details?: { [key: string]: JsonValue | undefined } | null;
}

/** An event as stored: `seq` increases by one per entry and `prevHash` is the hash of the entry before. */
export interface AuditRecord extends AuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS_HASH = "0".repeat(64);

export class AuditSecretError extends Error {
  constructor(readonly paths: string[]) {
    super(`audit event contains what looks like a secret at ${paths.join(", ")}`);
    this.name = "AuditSecretError";
  }
}

/** Absent and null optional fields hash the same, so a database that turns one into the other breaks nothing. */
function hashedContent(record: AuditEvent & { seq: number; prevHash: string }): JsonValue {
  return {
    seq: record.seq,
    prevHash: record.prevHash,
    at: record.at,
    action: record.action,
    actor: record.actor,
    orgId: record.orgId ?? null,
    target: record.target ?? null,
    outcome: record.outcome ?? null,
    details: record.details ?? null,
  };
}

export function hashAuditRecord(record: AuditEvent & { seq: number; prevHash: string }): string {
  return createHash("sha256")
    .update(canonicalJson(hashedContent(record)), "utf8")
    .digest("hex");
}

/**
 * The next record after `head` (null for an empty log). Refuses events that carry secrets: that is a bug in the
 * caller, so it throws rather than returning a value.
 */
export function appendAuditRecord(head: ChainHead | null, event: AuditEvent): AuditRecord {
  if (Number.isNaN(Date.parse(event.at)) || !event.at.endsWith("Z")) {
    throw new TypeError("audit event time must be an ISO-8601 UTC timestamp");
  }
  const secrets = findSecrets({ ...event });
  if (secrets.length > 0) throw new AuditSecretError(secrets);
  const seq = head ? head.seq + 1 : 1;
  const prevHash = head ? head.hash : GENESIS_HASH;
  const record = { ...event, seq, prevHash };
  return { ...record, hash: hashAuditRecord(record) };
}

export type ChainProblem = "changed" | "removed" | "reordered" | "broken_link" | "truncated";

export type VerifyChainResult =
  | { ok: true; count: number; head: ChainHead | null }
  | { ok: false; index: number; seq: number | null; problem: ChainProblem };

export interface VerifyChainOptions {
  /** The verified record just before the first one given, when checking a slice of the log. */
  after?: ChainHead;
  /**
   * The head recorded elsewhere (another store, a log shipper, a printed receipt). Without it, removing entries
   * from the end of the log cannot be told apart from a log that simply ends there.
   */
  expectedHead?: ChainHead;
}

/** Walks the records in the order they are given (storage order, not sorted by `seq`). */
export function verifyChain(records: readonly AuditRecord[], options: VerifyChainOptions = {}): VerifyChainResult {
  let prevHash = options.after?.hash ?? GENESIS_HASH;
  let expectedSeq = (options.after?.seq ?? 0) + 1;
  for (const [index, record] of records.entries()) {
    if (hashAuditRecord(record) !== record.hash) return { ok: false, index, seq: record.seq, problem: "changed" };
    if (record.seq !== expectedSeq) {
      const missingComesLater = records.slice(index + 1).some((later) => later.seq === expectedSeq);
      const problem = record.seq > expectedSeq && !missingComesLater ? "removed" : "reordered";
      return { ok: false, index, seq: record.seq, problem };
    }
    if (record.prevHash !== prevHash) return { ok: false, index, seq: record.seq, problem: "broken_link" };
    prevHash = record.hash;
    expectedSeq += 1;
  }
  const last = records.at(-1);
  const head = last ? { seq: last.seq, hash: last.hash } : (options.after ?? null);
  const expected = options.expectedHead;
  if (expected) {
    const lastSeq = head?.seq ?? 0;
    if (lastSeq < expected.seq) return { ok: false, index: records.length, seq: null, problem: "truncated" };
    const atExpected = records.find((record) => record.seq === expected.seq);
    const expectedHash = atExpected?.hash ?? (options.after?.seq === expected.seq ? options.after.hash : undefined);
    if (expectedHash !== undefined && expectedHash !== expected.hash) {
      return { ok: false, index: atExpected ? records.indexOf(atExpected) : 0, seq: expected.seq, problem: "changed" };
    }
  }
  return { ok: true, count: records.length, head };
}
