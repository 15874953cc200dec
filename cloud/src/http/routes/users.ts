import { z } from "zod";

import {
  ERROR_CODES,
  Id,
  SessionsRevoked,
  UserCreate,
  UserCreated,
  UserDetail,
  UserRoleChange,
  UserSummary,
} from "@desksharing/protocol";

import { subjectOf } from "../../identity/scopes.js";
import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { API, listOf, type RouteDeps } from "./common.js";

const UserParams = z.strictObject({ userId: Id });

const unknownSite = (): ApiError =>
  new ApiError(ERROR_CODES.VALIDATION_FAILED, "siteIds names a site the organisation does not have", [
    { path: "body.siteIds", message: "unknown site" },
  ]);

/** Refused by `reaches` (access/accounts.ts): a site-limited admin manages only users within its own sites. */
const outOfReach = (): ApiError =>
  new ApiError(
    ERROR_CODES.FORBIDDEN,
    "a caller limited to some sites may only manage users limited to some of those sites, and no platform operator",
  );

export function userRoutes({ access }: RouteDeps): AnyRoute[] {
  const { accounts } = access;
  return [
    defineRoute({
      method: "post",
      path: `${API}/users`,
      operationId: "createUser",
      summary: "Add a user with a role (optionally limited to some sites); the initial password is shown once",
      tag: "users",
      scope: "users:admin",
      body: { kind: "json", schema: UserCreate, limit: "json" },
      response: { kind: "json", status: 201, schema: UserCreated, description: "The user and the initial password" },
      errors: [409],
      handler: async ({ principal, body, now }) => {
        const created = await accounts.createUser(principal.orgId, body, principal, now);
        if (created.ok) return { status: 201, body: { user: created.user, initialPassword: created.initialPassword } };
        switch (created.code) {
          case "unknown_site":
            throw unknownSite();
          case "site_not_allowed":
            throw outOfReach();
          case "email_taken":
            throw new ApiError(ERROR_CODES.CONFLICT, "a user with this e-mail address exists already");
        }
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/users`,
      operationId: "listUsers",
      summary:
        "Users of the organisation (for a caller limited to sites: those limited to some of them), without " +
        "personal data",
      tag: "users",
      scope: "users:admin",
      response: { kind: "json", status: 200, schema: listOf(UserSummary), description: "The users" },
      handler: async ({ principal }) => ({
        status: 200,
        body: { items: await accounts.listUsers(principal.orgId, principal) },
      }),
    }),
    defineRoute({
      method: "get",
      path: `${API}/users/:userId`,
      operationId: "getUser",
      summary:
        "One user with name and e-mail; the view is written to the audit log. A user outside a site-limited " +
        "caller's reach answers 404 as one that does not exist",
      tag: "users",
      scope: "users:admin",
      params: UserParams,
      response: { kind: "json", status: 200, schema: UserDetail, description: "The user" },
      handler: async ({ principal, params, now }) => {
        const user = await accounts.userDetail(principal.orgId, params.userId, principal, "user-admin", now);
        if (!user) throw notFound("user");
        return { status: 200, body: user };
      },
    }),
    defineRoute({
      method: "put",
      path: `${API}/users/:userId/role`,
      operationId: "changeUserRole",
      summary: "Change a user's role and site limits; the user's tokens stop working at once",
      tag: "users",
      scope: "users:admin",
      params: UserParams,
      body: { kind: "json", schema: UserRoleChange, limit: "json" },
      response: { kind: "json", status: 200, schema: UserSummary, description: "The user after the change" },
      handler: async ({ principal, params, body, now }) => {
        const changed = await accounts.changeRole(
          principal.orgId,
          params.userId,
          body.role,
          body.siteIds ?? null,
          principal,
          now,
        );
        if (changed === null) throw notFound("user");
        if (changed === "unknown_site") throw unknownSite();
        if (changed === "site_not_allowed") throw outOfReach();
        return { status: 200, body: changed };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/users/:userId/revoke-sessions`,
      operationId: "revokeUserSessions",
      summary: "End every session of a user (tokens, refresh tokens, live sockets)",
      tag: "users",
      scope: "users:admin",
      params: UserParams,
      response: { kind: "json", status: 200, schema: SessionsRevoked, description: "How many sessions ended" },
      handler: async ({ principal, params, now }) => {
        const reachable = await accounts.mayManage(principal.orgId, params.userId, principal);
        if (reachable === null) throw notFound("user");
        if (!reachable) throw outOfReach();
        const revoked = await accounts.revokeUser(principal.orgId, params.userId, subjectOf(principal), now);
        if (revoked === null) throw notFound("user");
        return { status: 200, body: { revokedSessions: revoked } };
      },
    }),
  ];
}
