import {
  ERROR_CODES,
  Jwks,
  LoginRequest,
  PasswordChange,
  RefreshRequest,
  SessionsRevoked,
  TokenPair,
  UserDetail,
} from "@desksharing/protocol";

import { subjectOf } from "../../identity/scopes.js";
import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { API, type RouteDeps } from "./common.js";

/** One answer for an unknown e-mail, a wrong password and a disabled account. */
const loginFailed = (): ApiError => new ApiError(ERROR_CODES.UNAUTHENTICATED, "e-mail address or password is wrong");

const throttled = (retryAfterSeconds: number): ApiError =>
  new ApiError(
    ERROR_CODES.RATE_LIMITED,
    `too many attempts; try again in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
    { "Retry-After": String(retryAfterSeconds) },
  );

export function authRoutes({ access }: RouteDeps): AnyRoute[] {
  const { accounts } = access;
  return [
    defineRoute({
      method: "get",
      path: "/.well-known/jwks.json",
      operationId: "jwks",
      summary: "Public keys that verify access tokens: the current signing key, the next one and recently retired ones",
      tag: "auth",
      scope: null,
      response: { kind: "json", status: 200, schema: Jwks, description: "RFC 7517 key set" },
      handler: async ({ now }) => ({ status: 200, body: await access.signing.jwks(now) }),
    }),
    defineRoute({
      method: "post",
      path: `${API}/auth/login`,
      operationId: "login",
      summary: "Sign in with e-mail and password; starts a session (access token + single-use refresh token)",
      tag: "auth",
      scope: null,
      body: { kind: "json", schema: LoginRequest, limit: "json" },
      response: { kind: "json", status: 200, schema: TokenPair, description: "The new session" },
      errors: [401, 429],
      handler: async ({ body, client, now }) => {
        const result = await accounts.login(body.email, body.password, client.address, now);
        if (result.ok) return { status: 200, body: result.tokens };
        if (result.code === "throttled") throw throttled(result.retryAfterSeconds);
        throw loginFailed();
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/auth/refresh`,
      operationId: "refreshSession",
      summary: "Trade a refresh token for a new pair; a refresh token used twice ends its whole session",
      tag: "auth",
      scope: null,
      body: { kind: "json", schema: RefreshRequest, limit: "json" },
      response: { kind: "json", status: 200, schema: TokenPair, description: "The renewed session" },
      errors: [401],
      handler: async ({ body, now }) => {
        const result = await accounts.refresh(body.refreshToken, now);
        if (!result.ok)
          throw new ApiError(ERROR_CODES.UNAUTHENTICATED, "the refresh token is invalid, expired or revoked");
        return { status: 200, body: result.tokens };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/auth/logout`,
      operationId: "logout",
      summary: "End this session: its refresh tokens, this access token and its live sockets",
      tag: "auth",
      scope: "account:manage",
      response: { kind: "empty", status: 204, description: "Signed out" },
      handler: async ({ principal, now }) => {
        await accounts.logout(principal, now);
        return { status: 204, empty: true };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/auth/logout-everywhere`,
      operationId: "logoutEverywhere",
      summary: "End every session of the caller on every device",
      tag: "auth",
      scope: "account:manage",
      response: { kind: "json", status: 200, schema: SessionsRevoked, description: "How many sessions ended" },
      handler: async ({ principal, now }) => {
        const revoked = await accounts.revokeUser(principal.orgId, principal.id, subjectOf(principal), now);
        if (revoked === null) throw notFound("user");
        return { status: 200, body: { revokedSessions: revoked } };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/me`,
      operationId: "getMe",
      summary: "The caller's own account, name and e-mail included",
      tag: "auth",
      scope: "account:manage",
      response: { kind: "json", status: 200, schema: UserDetail, description: "The caller" },
      handler: async ({ principal, now }) => {
        const me = await accounts.userDetail(principal.orgId, principal.id, principal, "self-view", now);
        if (!me) throw notFound("user");
        return { status: 200, body: me };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/me/password`,
      operationId: "changePassword",
      summary:
        "Change the caller's password (at least 15 characters, not common, not built from the user's name, e-mail " +
        "or organisation); every other session ends and a new one starts",
      tag: "auth",
      scope: "account:manage",
      body: { kind: "json", schema: PasswordChange, limit: "json" },
      response: { kind: "json", status: 200, schema: TokenPair, description: "A fresh session" },
      errors: [429],
      handler: async ({ principal, body, client, now }) => {
        const result = await accounts.changePassword(
          principal,
          body.currentPassword,
          body.newPassword,
          client.address,
          now,
        );
        if (!result) throw notFound("user");
        if (result.ok) return { status: 200, body: result.tokens };
        switch (result.code) {
          case "throttled":
            throw throttled(result.retryAfterSeconds);
          case "wrong_current_password":
            throw new ApiError(ERROR_CODES.FORBIDDEN, "the current password is wrong");
          case "same_as_current":
            throw new ApiError(ERROR_CODES.VALIDATION_FAILED, "the new password is the current one", [
              { path: "body.newPassword", message: "same as the current password" },
            ]);
          case "policy":
            throw new ApiError(
              ERROR_CODES.VALIDATION_FAILED,
              result.reasons.map((reason) => reason.message).join(" "),
              result.reasons.map((reason) => ({
                path: "body.newPassword",
                code: reason.code,
                message: reason.message,
              })),
            );
        }
      },
    }),
  ];
}
