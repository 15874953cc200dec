import { z } from "zod";

import { Id } from "../ids.js";

/** REST DTOs of the cloud's identity and access API (`/api/v1/auth`, `/me`, `/users`, `/machine-credentials`, …). */

const Timestamp = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");
const Name = z.string().trim().min(1).max(128);
/** Long enough for any password the policy accepts (256 code points, up to 4 UTF-16 units each). */
const PasswordInput = z.string().min(1).max(1024);
const Email = z.email().max(254);
const ScopeName = z.string().regex(/^[a-z]+(:[a-z]+)+$/, "must be a scope such as plans:read");

export const USER_ROLES = ["admin", "facilities", "employee"] as const;
export const UserRole = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRole>;

export const MACHINE_CREDENTIAL_KINDS = ["gateway", "kiosk", "integration"] as const;
export const MachineCredentialKind = z.enum(MACHINE_CREDENTIAL_KINDS);
export type MachineCredentialKind = z.infer<typeof MachineCredentialKind>;

export const LoginRequest = z.strictObject({ email: z.string().min(1).max(254), password: PasswordInput });
export type LoginRequest = z.infer<typeof LoginRequest>;

export const RefreshRequest = z.strictObject({ refreshToken: z.string().min(1).max(256) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/** A signed-in session: a short-lived access JWT and the single-use refresh token that renews it. */
export const TokenPair = z.strictObject({
  tokenType: z.literal("Bearer"),
  accessToken: z.string().min(1),
  /** seconds until the access token expires */
  expiresIn: z.number().int().positive(),
  refreshToken: z.string().min(1),
  /** the absolute end of the session, whatever the refreshes */
  sessionExpiresAt: Timestamp,
});
export type TokenPair = z.infer<typeof TokenPair>;

export const PasswordChange = z.strictObject({ currentPassword: PasswordInput, newPassword: PasswordInput });
export type PasswordChange = z.infer<typeof PasswordChange>;

/** Why a new password was refused; every reason is listed so it can be fixed in one go. */
export const PasswordRefusal = z.strictObject({
  code: z.enum(["too_short", "too_long", "blocklisted", "context_word", "too_weak"]),
  message: z.string(),
});
export type PasswordRefusal = z.infer<typeof PasswordRefusal>;

/** A user without personal data: what lists show. */
export const UserSummary = z.strictObject({
  id: Id,
  role: UserRole,
  /** null: every site of the organisation */
  siteIds: z.array(Id).nullable(),
  platformAdmin: z.boolean(),
  disabled: z.boolean(),
  createdAt: Timestamp,
});
export type UserSummary = z.infer<typeof UserSummary>;

/** A user with name and e-mail; reading another user's is written to the audit log. */
export const UserDetail = UserSummary.extend({ name: Name, email: Email });
export type UserDetail = z.infer<typeof UserDetail>;

export const UserCreate = z.strictObject({
  name: Name,
  email: Email,
  role: UserRole,
  siteIds: z.array(Id).min(1).max(100).nullable().optional(),
});
export type UserCreate = z.infer<typeof UserCreate>;

/** The new user and a generated initial password, shown this once. */
export const UserCreated = z.strictObject({ user: UserSummary, initialPassword: z.string().min(16) });
export type UserCreated = z.infer<typeof UserCreated>;

export const UserRoleChange = z.strictObject({
  role: UserRole,
  siteIds: z.array(Id).min(1).max(100).nullable().optional(),
});
export type UserRoleChange = z.infer<typeof UserRoleChange>;

export const SessionsRevoked = z.strictObject({ revokedSessions: z.number().int().nonnegative() });
export type SessionsRevoked = z.infer<typeof SessionsRevoked>;

export const MachineCredential = z.strictObject({
  id: Id,
  siteId: Id,
  kind: MachineCredentialKind,
  name: Name,
  scopes: z.array(ScopeName),
  /** the non-secret beginning of the secret, e.g. `dsk_kiosk_Ab3x` */
  hint: z.string(),
  createdBy: z.string(),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  lastUsedAt: Timestamp.nullable(),
});
export type MachineCredential = z.infer<typeof MachineCredential>;

export const MachineCredentialCreate = z.strictObject({
  siteId: Id,
  kind: MachineCredentialKind,
  name: Name,
  /** default: the kind's default scopes */
  scopes: z.array(ScopeName).min(1).max(20).optional(),
  expiresAt: Timestamp.optional(),
});
export type MachineCredentialCreate = z.infer<typeof MachineCredentialCreate>;

/** The credential and its secret, shown this once; only a hash is kept. */
export const MachineCredentialCreated = z.strictObject({ credential: MachineCredential, secret: z.string() });
export type MachineCredentialCreated = z.infer<typeof MachineCredentialCreated>;

export const AuditVerification = z.union([
  z.strictObject({
    ok: z.literal(true),
    count: z.number().int().nonnegative(),
    headSeq: z.number().int().nonnegative(),
  }),
  z.strictObject({
    ok: z.literal(false),
    /** the first entry that does not verify; null when entries are missing at the end */
    seq: z.number().int().nullable(),
    problem: z.enum(["changed", "removed", "reordered", "broken_link", "truncated"]),
  }),
]);
export type AuditVerification = z.infer<typeof AuditVerification>;

/** `GET /audit/events?limit=`: query values arrive as text, so the number is coerced (then bounded). */
export const AuditEventsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("How many of the newest entries"),
});
export type AuditEventsQuery = z.infer<typeof AuditEventsQuery>;

export const AuditEntry = z.strictObject({
  seq: z.number().int().positive(),
  at: Timestamp,
  action: z.string(),
  actor: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(["success", "failure"]).nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const PlatformRevocation = z.strictObject({
  /** unix seconds; tokens issued before it are void */
  epoch: z.number().int().nonnegative(),
  revokedSessions: z.number().int().nonnegative(),
});
export type PlatformRevocation = z.infer<typeof PlatformRevocation>;

/** RFC 7517 key set of the access-token signing keys (public parts only). */
export const Jwks = z.strictObject({
  keys: z.array(
    z.strictObject({
      kty: z.literal("OKP"),
      crv: z.literal("Ed25519"),
      x: z.string(),
      kid: z.string(),
      alg: z.literal("EdDSA"),
      use: z.literal("sig"),
    }),
  ),
});
export type Jwks = z.infer<typeof Jwks>;
