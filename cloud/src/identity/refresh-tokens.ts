import { randomBytes } from "node:crypto";
import { randomSecret, secretHash } from "./opaque-secrets.js";

/** Refresh tokens are recognisable (secret scanners, log redaction) by this prefix. */
export const REFRESH_TOKEN_PREFIX = "dsr_";
const REFRESH_TOKEN_PATTERN = /^dsr_[A-Za-z0-9_-]{43}$/;

export function generateRefreshToken(): { token: string; hash: string } {
  const token = `${REFRESH_TOKEN_PREFIX}${randomSecret()}`;
  return { token, hash: secretHash(token) };
}

/** The storage hash of a presented token, or null when it cannot be one of ours (no database lookup needed). */
export function hashRefreshToken(token: string): string | null {
  return REFRESH_TOKEN_PATTERN.test(token) ? secretHash(token) : null;
}

export function newFamilyId(): string {
  return `fam_${randomBytes(16).toString("base64url")}`;
}

/**
 * One refresh token as stored. A family is one login session (its id is the access token's `sid`); each use
 * marks the token used and adds its successor to the family.
 */
export interface RefreshTokenRecord {
  hash: string;
  familyId: string;
  userId: string;
  orgId: string;
  createdAt: Date;
  familyCreatedAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface RefreshPolicy {
  /** A session unused for this long ends. */
  idleTimeoutMs: number;
  /** A session ends this long after login, however active (ASVS 7.3.2, 10.4.8). */
  absoluteLifetimeMs: number;
}

/** NIST SP 800-63B-4 reauthentication for AAL2: at most 24 hours overall and 1 hour of inactivity. */
export const DEFAULT_REFRESH_POLICY: RefreshPolicy = {
  idleTimeoutMs: 60 * 60_000,
  absoluteLifetimeMs: 24 * 60 * 60_000,
};

export type RefreshDecision =
  | { action: "rotate"; familyId: string; userId: string; orgId: string }
  | { action: "reuse_detected"; familyId: string; userId: string; orgId: string }
  | { action: "revoked"; familyId: string }
  | { action: "expired"; familyId: string; reason: "idle" | "absolute" }
  | { action: "unknown" };

/**
 * What to do with a presented refresh token. A token that was already used means two parties hold it (RFC 9700
 * §4.14.2): the whole family is revoked and the event audited.
 */
export function refreshDecision(record: RefreshTokenRecord | null, now: Date, policy: RefreshPolicy): RefreshDecision {
  if (!record) return { action: "unknown" };
  const { familyId, userId, orgId } = record;
  if (record.revokedAt !== null) return { action: "revoked", familyId };
  if (record.usedAt !== null) return { action: "reuse_detected", familyId, userId, orgId };
  if (now.getTime() >= record.familyCreatedAt.getTime() + policy.absoluteLifetimeMs) {
    return { action: "expired", familyId, reason: "absolute" };
  }
  if (now.getTime() >= record.createdAt.getTime() + policy.idleTimeoutMs) {
    return { action: "expired", familyId, reason: "idle" };
  }
  return { action: "rotate", familyId, userId, orgId };
}

/** When a session ends at the latest, for cookie lifetimes and UI. */
export function sessionExpiresAt(record: Pick<RefreshTokenRecord, "familyCreatedAt">, policy: RefreshPolicy): Date {
  return new Date(record.familyCreatedAt.getTime() + policy.absoluteLifetimeMs);
}
