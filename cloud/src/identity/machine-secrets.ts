import { crc32 } from "node:zlib";
import { hashesEqual, randomSecret, secretHash } from "./opaque-secrets.js";
import { MACHINE_ALLOWED_SCOPES, MACHINE_KINDS, type MachineKind, type Principal, type Scope } from "./scopes.js";

/**
 * Machine credentials look like `dsk_kiosk_<43 random base64url chars><6 char checksum>`: the prefix makes a
 * leaked secret recognisable to scanners and to our own log redaction, and the checksum rejects typos and random
 * strings without a database lookup.
 */
export const MACHINE_SECRET_PREFIX = "dsk_";
const PATTERN = /^dsk_(gateway|kiosk|integration)_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;
const HINT_LENGTH = 4;

function checksum(body: string): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(body) >>> 0);
  return bytes.toString("base64url");
}

export interface GeneratedMachineSecret {
  /** shown to the admin once, never stored */
  secret: string;
  /** what the database keeps */
  hash: string;
  /** a non-secret beginning, e.g. `dsk_kiosk_Ab3x`, to tell credentials apart in lists */
  hint: string;
}

export function generateMachineSecret(kind: MachineKind): GeneratedMachineSecret {
  const body = `${MACHINE_SECRET_PREFIX}${kind}_${randomSecret()}`;
  const secret = `${body}${checksum(body)}`;
  return { secret, hash: secretHash(secret), hint: secretHint(secret) };
}

export function secretHint(secret: string): string {
  const kindEnd = secret.indexOf("_", MACHINE_SECRET_PREFIX.length);
  return secret.slice(0, kindEnd + 1 + HINT_LENGTH);
}

/** The kind named in a well-formed secret, or null for anything that is not one of ours. */
export function parseMachineSecret(secret: string): { kind: MachineKind } | null {
  const match = PATTERN.exec(secret);
  if (!match) return null;
  const [, kind, random] = match;
  const body = `${MACHINE_SECRET_PREFIX}${kind}_${random}`;
  if (checksum(body) !== match[3]) return null;
  return MACHINE_KINDS.includes(kind as MachineKind) ? { kind: kind as MachineKind } : null;
}

/** The lookup hash of a presented secret, or null when the secret is malformed. */
export function hashMachineSecret(secret: string): string | null {
  return parseMachineSecret(secret) ? secretHash(secret) : null;
}

export function verifyMachineSecret(secret: string, storedHash: string): boolean {
  return hashesEqual(secretHash(secret), storedHash);
}

/** One credential as stored (a Prisma model `MachineCredential` with these columns, `hash` unique). */
export interface MachineCredentialRecord {
  id: string;
  orgId: string;
  siteId: string;
  kind: MachineKind;
  name: string;
  scopes: Scope[];
  hash: string;
  hint: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export type MachineCredentialDecision =
  { ok: true; principal: Principal } | { ok: false; code: "unknown" | "revoked" | "expired" | "kind_mismatch" };

/**
 * Decides a presented machine secret against the record found by its hash. The principal is bound to the one
 * site, and its scopes are cut to what the kind may hold even if a row was edited by hand.
 */
export function machineCredentialDecision(
  secret: string,
  record: MachineCredentialRecord | null,
  now: Date,
): MachineCredentialDecision {
  const parsed = parseMachineSecret(secret);
  if (!parsed || !record || !verifyMachineSecret(secret, record.hash)) return { ok: false, code: "unknown" };
  if (parsed.kind !== record.kind) return { ok: false, code: "kind_mismatch" };
  if (record.revokedAt !== null) return { ok: false, code: "revoked" };
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()) return { ok: false, code: "expired" };
  const allowed = new Set<Scope>(MACHINE_ALLOWED_SCOPES[record.kind]);
  return {
    ok: true,
    principal: {
      kind: "machine",
      id: record.id,
      orgId: record.orgId,
      scopes: record.scopes.filter((scope) => allowed.has(scope)),
      siteIds: [record.siteId],
      ...(record.expiresAt !== null ? { expiresAt: record.expiresAt } : {}),
    },
  };
}

/** Last-used times are written at most once per interval, so a busy gateway does not write on every request. */
export function shouldRecordUse(lastUsedAt: Date | null, now: Date, intervalMs = 60_000): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= intervalMs;
}
