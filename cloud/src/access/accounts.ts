import { randomUUID } from "node:crypto";

import type { TokenPair, UserDetail, UserSummary } from "@desksharing/protocol";

import type { Repositories } from "../db/repositories/index.js";
import type { UserRow } from "../db/repositories/users.js";
import type { LoginThrottle } from "../identity/login-throttle.js";
import { changePassword, generateInitialPassword } from "../identity/password-change.js";
import type { PasswordHasher } from "../identity/password-hash.js";
import type { PasswordRefusal } from "../identity/password-policy.js";
import type { RefreshSessions } from "../identity/refresh-sessions.js";
import { hashRefreshToken, sessionExpiresAt } from "../identity/refresh-tokens.js";
import { roomsToDisconnect, type RevocationEvent } from "../identity/revocation.js";
import { ROLE_SCOPES, SCOPES, subjectOf, type Principal, type Role, type Scope } from "../identity/scopes.js";
import type { AuditTrail } from "./audit-trail.js";
import type { PersonalData } from "./personal-data.js";
import type { Signing } from "./signing.js";

/** Drops live sockets: the rooms of a revoked session, user or machine, or all of them. */
export type Disconnect = (rooms: string[] | "all") => void;

export interface AccountsDeps {
  repos: Repositories;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  sessions: RefreshSessions;
  signing: Signing;
  personal: PersonalData;
  audit: AuditTrail;
  disconnect: Disconnect;
}

export type LoginResult =
  | { ok: true; tokens: TokenPair; userId: string }
  | { ok: false; code: "invalid" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number };

export type RefreshOutcome = { ok: true; tokens: TokenPair } | { ok: false };

export type PasswordChangeOutcome =
  | { ok: true; tokens: TokenPair }
  | { ok: false; code: "wrong_current_password" | "same_as_current" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number }
  | { ok: false; code: "policy"; reasons: PasswordRefusal[] };

export interface NewUser {
  name: string;
  email: string;
  role: Role;
  siteIds?: string[] | null;
  platformAdmin?: boolean;
}

export type CreateUserResult =
  | { ok: true; user: UserSummary; initialPassword: string }
  | { ok: false; code: "email_taken" | "unknown_site" | "site_not_allowed" };

/**
 * Who asks for a change: a signed-in principal, held to its site limits, or the system (seed, CLI, tests) by its
 * subject name, which no site limit applies to.
 */
export type Actor = Principal | string;

export const subjectOfActor = (actor: Actor): string => (typeof actor === "string" ? actor : subjectOf(actor));

export const reachOf = (actor: Actor): Principal["siteIds"] => (typeof actor === "string" ? "all" : actor.siteIds);

/**
 * Whether an actor may create or change a user with these site limits and flag. One limited to sites S reaches
 * only users limited to a non-empty subset of S and never a platform operator: otherwise it could create, or turn
 * itself into, an admin of sites it does not have, an unlimited admin or an operator of the whole platform.
 */
function reaches(reach: Principal["siteIds"], user: Pick<UserRow, "siteIds" | "platformAdmin">): boolean {
  if (reach === "all") return true;
  if (user.platformAdmin || user.siteIds === null || user.siteIds.length === 0) return false;
  return user.siteIds.every((id) => reach.includes(id));
}

/**
 * Whether a principal may see a user and its personal data: itself always, others only within its reach, so a
 * site-limited admin reads no more users than it could manage.
 */
function sees(viewer: Principal, user: UserRow): boolean {
  return subjectOf(viewer) === `user:${user.id}` || reaches(viewer.siteIds, user);
}

export function scopesOf(user: Pick<UserRow, "role" | "platformAdmin">): Scope[] {
  return [...ROLE_SCOPES[user.role], ...(user.platformAdmin ? [SCOPES.PLATFORM_ADMIN] : [])];
}

export function summaryOf(user: UserRow): UserSummary {
  return {
    id: user.id,
    role: user.role,
    siteIds: user.siteIds,
    platformAdmin: user.platformAdmin,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The socket rooms of a principal: its user and session, or its machine credential. */
export function roomsOf(principal: Principal): string[] {
  if (principal.kind === "machine") return [`machine:${principal.id}`];
  return [`user:${principal.id}`, ...(principal.session ? [`session:${principal.session.sid}`] : [])];
}

const LOGIN_FAILED = { ok: false, code: "invalid" } as const;

/** Accounts, sign-in sessions and their revocation; every security event goes to the audit trail. */
export class Accounts {
  constructor(private readonly deps: AccountsDeps) {}

  async createUser(
    orgId: string,
    input: NewUser,
    by: Actor,
    now: Date,
    options: { passwordHash?: string } = {},
  ): Promise<CreateUserResult> {
    const { repos, hasher, personal, audit } = this.deps;
    const actor = subjectOfActor(by);
    const siteIds = input.siteIds ?? null;
    if (!reaches(reachOf(by), { siteIds, platformAdmin: input.platformAdmin ?? false })) {
      await this.refused("user_create", actor, orgId, null, now);
      return { ok: false, code: "site_not_allowed" };
    }
    if (siteIds !== null && !(await this.sitesExist(orgId, siteIds))) return { ok: false, code: "unknown_site" };
    const id = randomUUID();
    const initialPassword = generateInitialPassword();
    const passwordHash = options.passwordHash ?? (await hasher.hash(initialPassword));
    const sealed = await personal.sealUser(orgId, id, input, { actor, purpose: "user-create" }, now);
    const created = await repos.users.create({
      id,
      orgId,
      role: input.role,
      siteIds,
      platformAdmin: input.platformAdmin ?? false,
      ...sealed,
      emailIndex: await personal.emailIndex(input.email, now),
      passwordHash,
    });
    if (!created.ok) return { ok: false, code: "email_taken" };
    await audit.record({
      at: now,
      action: "user_create",
      actor,
      orgId,
      target: `user:${id}`,
      outcome: "success",
      details: { role: input.role, siteIds, platformAdmin: input.platformAdmin ?? false },
    });
    return { ok: true, user: summaryOf(created.user), initialPassword };
  }

  /**
   * The same work and the same answer for an unknown e-mail and a wrong password: the blind-index lookup, one
   * argon2 verification (against a dummy hash when there is no user), the throttle and an audit entry.
   */
  async login(email: string, password: string, address: string, now: Date): Promise<LoginResult> {
    const { repos, hasher, throttle, personal, audit } = this.deps;
    const keys = { account: email, address };
    const decision = await throttle.attempt(keys, now);
    if (!decision.allowed) {
      return { ok: false, code: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
    }
    const user = await repos.users.byEmailIndex(await personal.emailIndex(email, now));
    const usable = user !== null && user.disabledAt === null;
    const verified = usable
      ? await hasher.verify(user.passwordHash, password)
      : await hasher.verifyAgainstDummy(password);
    if (!verified || !usable) {
      const lockouts = await throttle.failed(keys, now);
      await audit.record({
        at: now,
        action: "authn_login_fail",
        actor: "anonymous",
        orgId: user?.orgId ?? null,
        target: user ? `user:${user.id}` : null,
        outcome: "failure",
        details: { reason: user ? "wrong_password" : "unknown_user" },
      });
      for (const lockout of lockouts) {
        await audit.record({
          at: now,
          action: "authn_lockout",
          actor: "system:throttle",
          orgId: lockout.scope === "account" ? (user?.orgId ?? null) : null,
          target: lockout.scope === "account" && user ? `user:${user.id}` : null,
          outcome: "failure",
          details: {
            scope: lockout.scope,
            key: lockout.key,
            lockedUntil: lockout.lockedUntil.toISOString(),
            lockCount: lockout.lockCount,
          },
        });
      }
      return LOGIN_FAILED;
    }
    await throttle.succeeded(keys, now);
    if (hasher.needsRehash(user.passwordHash)) {
      await repos.users.setPasswordHash(user.orgId, user.id, await hasher.hash(password), false);
    }
    const tokens = await this.startSession(user, now);
    await audit.record({
      at: now,
      action: "authn_login_success",
      actor: `user:${user.id}`,
      orgId: user.orgId,
      target: `user:${user.id}`,
      outcome: "success",
    });
    return { ok: true, tokens, userId: user.id };
  }

  async refresh(presented: string, now: Date): Promise<RefreshOutcome> {
    const { repos, sessions, audit } = this.deps;
    const result = await sessions.refresh(presented, now);
    if (!result.ok) {
      if (result.code === "reuse_detected") {
        this.disconnectFor({ layer: "token", sid: result.familyId, jti: "" });
        await audit.record({
          at: now,
          action: "authn_token_reuse",
          actor: `user:${result.userId}`,
          orgId: result.orgId,
          target: `session:${result.familyId}`,
          outcome: "failure",
          details: { familyId: result.familyId },
        });
      }
      return { ok: false };
    }
    const user = await repos.users.get(result.orgId, result.userId);
    if (!user || user.disabledAt !== null) {
      await sessions.logout(result.familyId, now);
      return { ok: false };
    }
    const record = await repos.refreshTokens.findByHash(hashRefreshToken(result.token) ?? "");
    const tokens = await this.tokenPair(user, result.familyId, result.token, record?.familyCreatedAt ?? now, now);
    await audit.record({
      at: now,
      action: "token_refresh",
      actor: `user:${user.id}`,
      orgId: user.orgId,
      target: `session:${result.familyId}`,
      outcome: "success",
    });
    return { ok: true, tokens };
  }

  /** Ends this session: its refresh tokens, the presented access token and its sockets. */
  async logout(principal: Principal, now: Date): Promise<void> {
    const session = principal.session;
    if (!session) return;
    await this.deps.sessions.logout(session.sid, now);
    await this.deps.repos.revocations.denyJti(session.jti, session.expiresAt, now);
    this.disconnectFor({ layer: "token", sid: session.sid, jti: session.jti });
    await this.deps.audit.record({
      at: now,
      action: "token_revoke",
      actor: subjectOf(principal),
      orgId: principal.orgId,
      target: `session:${session.sid}`,
      outcome: "success",
      details: { layer: "token" },
    });
  }

  /** Ends every session of a user: refresh families, access tokens (token version) and sockets. */
  async revokeUser(orgId: string, userId: string, actor: string, now: Date): Promise<number | null> {
    if (!(await this.deps.repos.users.bumpTokenVersion(orgId, userId))) return null;
    const revoked = await this.deps.sessions.logoutEverywhere(userId, now);
    this.disconnectFor({ layer: "user", sub: userId });
    await this.deps.audit.record({
      at: now,
      action: "token_revoke",
      actor,
      orgId,
      target: `user:${userId}`,
      outcome: "success",
      details: { layer: "user", revokedSessions: revoked },
    });
    return revoked;
  }

  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    address: string,
    now: Date,
  ): Promise<PasswordChangeOutcome | null> {
    const { repos, hasher, throttle, personal, audit } = this.deps;
    const user = await repos.users.get(principal.orgId, principal.id);
    if (!user) return null;
    const own = await personal.openUser(
      user.orgId,
      user.id,
      user,
      { actor: subjectOf(principal), purpose: "password-change" },
      now,
    );
    const keys = { account: own.email, address };
    const decision = await throttle.attempt(keys, now);
    if (!decision.allowed) return { ok: false, code: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
    const organisation = await repos.organisations.get(user.orgId);
    const result = await changePassword(hasher, {
      currentHash: user.passwordHash,
      currentPassword,
      newPassword,
      context: { hasSecondFactor: false, userInputs: [own.name, own.email, organisation?.name ?? ""] },
    });
    if (!result.ok) {
      if (result.code === "wrong_current_password") {
        await throttle.failed(keys, now);
        await audit.record({
          at: now,
          action: "password_change",
          actor: subjectOf(principal),
          orgId: user.orgId,
          target: `user:${user.id}`,
          outcome: "failure",
          details: { reason: result.code },
        });
      } else {
        await throttle.succeeded(keys, now);
      }
      return result;
    }
    await throttle.succeeded(keys, now);
    await repos.users.setPasswordHash(user.orgId, user.id, result.newHash, true);
    await this.deps.sessions.logoutEverywhere(user.id, now);
    this.disconnectFor({ layer: "user", sub: user.id });
    await audit.record({
      at: now,
      action: "password_change",
      actor: subjectOf(principal),
      orgId: user.orgId,
      target: `user:${user.id}`,
      outcome: "success",
    });
    const fresh = await repos.users.get(user.orgId, user.id);
    return { ok: true, tokens: await this.startSession(fresh ?? user, now) };
  }

  async changeRole(
    orgId: string,
    userId: string,
    role: Role,
    siteIds: string[] | null,
    by: Actor,
    now: Date,
  ): Promise<UserSummary | "unknown_site" | "site_not_allowed" | null> {
    const actor = subjectOfActor(by);
    const before = await this.deps.repos.users.get(orgId, userId);
    if (!before) return null;
    // Both the user as it is and as it would be must lie within the actor's sites.
    if (!reaches(reachOf(by), before) || !reaches(reachOf(by), { siteIds, platformAdmin: before.platformAdmin })) {
      await this.refused("role_change", actor, orgId, `user:${userId}`, now);
      return "site_not_allowed";
    }
    if (siteIds !== null && !(await this.sitesExist(orgId, siteIds))) return "unknown_site";
    const after = await this.deps.repos.users.changeRole(orgId, userId, role, siteIds);
    if (!after) return null;
    this.disconnectFor({ layer: "user", sub: userId });
    await this.deps.audit.record({
      at: now,
      action: "role_change",
      actor,
      orgId,
      target: `user:${userId}`,
      outcome: "success",
      details: { previousRole: before.role, role, previousSiteIds: before.siteIds, siteIds },
    });
    return summaryOf(after);
  }

  /** Whether the actor may act on this user (see `reaches`); null when the organisation has no such user. */
  async mayManage(orgId: string, userId: string, by: Actor): Promise<boolean | null> {
    const user = await this.deps.repos.users.get(orgId, userId);
    return user && reaches(reachOf(by), user);
  }

  /** The users the viewer may see (see `sees`). */
  async listUsers(orgId: string, viewer: Principal): Promise<UserSummary[]> {
    return (await this.deps.repos.users.list(orgId)).filter((user) => sees(viewer, user)).map(summaryOf);
  }

  /**
   * A user's personal data; when someone other than the user reads it, that is audited. Null also for a user the
   * viewer may not see (see `sees`), before any data key is unwrapped: the answer must not tell that it exists.
   */
  async userDetail(
    orgId: string,
    userId: string,
    viewer: Principal,
    purpose: string,
    now: Date,
  ): Promise<UserDetail | null> {
    const user = await this.deps.repos.users.get(orgId, userId);
    if (!user || !sees(viewer, user)) return null;
    const actor = subjectOf(viewer);
    const data = await this.deps.personal.openUser(orgId, userId, user, { actor, purpose }, now);
    if (actor !== `user:${userId}`) {
      await this.deps.audit.record({
        at: now,
        action: "personal_data_view",
        actor,
        orgId,
        target: `user:${userId}`,
        outcome: "success",
        details: { fields: ["name", "email"], purpose },
      });
    }
    return { ...summaryOf(user), ...data };
  }

  /** Incident response: every session of every user ends, every key is replaced, every socket is dropped. */
  async revokePlatform(actor: string, orgId: string, now: Date): Promise<{ epoch: number; revokedSessions: number }> {
    const epoch = Math.floor(now.getTime() / 1000);
    const revokedSessions = await this.deps.sessions.revokeAll(now);
    await this.deps.signing.emergencyRotate(now, epoch);
    this.disconnectFor({ layer: "platform" });
    await this.deps.audit.record({
      at: now,
      action: "platform_revoke",
      actor,
      orgId,
      outcome: "success",
      details: { epoch, revokedSessions },
    });
    return { epoch, revokedSessions };
  }

  /** A change refused by the actor's site limits is a security event too: someone tried to reach beyond them. */
  private refused(action: string, actor: string, orgId: string, target: string | null, now: Date): Promise<void> {
    return this.deps.audit.record({
      at: now,
      action,
      actor,
      orgId,
      target,
      outcome: "failure",
      details: { reason: "site_not_allowed" },
    });
  }

  private disconnectFor(event: RevocationEvent): void {
    this.deps.disconnect(roomsToDisconnect(event));
  }

  private async startSession(user: UserRow, now: Date): Promise<TokenPair> {
    const { token, familyId } = await this.deps.sessions.start({ userId: user.id, orgId: user.orgId }, now);
    return this.tokenPair(user, familyId, token, now, now);
  }

  private async tokenPair(
    user: UserRow,
    familyId: string,
    refreshToken: string,
    familyCreatedAt: Date,
    now: Date,
  ): Promise<TokenPair> {
    const { signing, sessions } = this.deps;
    const access = await signing.issue(
      {
        sub: user.id,
        orgId: user.orgId,
        scopes: scopesOf(user),
        sid: familyId,
        ver: user.tokenVersion,
        sites: user.siteIds ?? "*",
      },
      now,
    );
    return {
      tokenType: "Bearer",
      accessToken: access.token,
      expiresIn: signing.ttlSeconds,
      refreshToken,
      sessionExpiresAt: sessionExpiresAt({ familyCreatedAt }, sessions.policy).toISOString(),
    };
  }

  private async sitesExist(orgId: string, siteIds: readonly string[]): Promise<boolean> {
    const known = new Set((await this.deps.repos.sites.list(orgId)).map((site) => site.id));
    return siteIds.every((id) => known.has(id));
  }
}
