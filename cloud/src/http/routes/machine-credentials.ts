import { z } from "zod";

import {
  ERROR_CODES,
  Id,
  MachineCredential,
  MachineCredentialCreate,
  MachineCredentialCreated,
} from "@desksharing/protocol";

import { subjectOf } from "../../identity/scopes.js";
import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { API, listOf, siteInReach, type RouteDeps } from "./common.js";

const CredentialParams = z.strictObject({ credentialId: Id });

export function machineCredentialRoutes({ access, repos }: RouteDeps): AnyRoute[] {
  const { machines } = access;
  return [
    defineRoute({
      method: "post",
      path: `${API}/machine-credentials`,
      operationId: "createMachineCredential",
      summary:
        "Create a credential for a gateway, kiosk or integration of one site, with chosen scopes and an optional " +
        "expiry; the secret is shown once",
      tag: "machine credentials",
      scope: "machines:admin",
      body: { kind: "json", schema: MachineCredentialCreate, limit: "json" },
      response: {
        kind: "json",
        status: 201,
        schema: MachineCredentialCreated,
        description: "The credential and its secret",
      },
      handler: async ({ principal, body, now }) => {
        // An unknown site answers 404 before a site outside the caller's limits answers 403, as on the site routes.
        await siteInReach(repos, principal, body.siteId);
        const created = await machines.create(principal.orgId, body, subjectOf(principal), now);
        if (created.ok) return { status: 201, body: { credential: created.credential, secret: created.secret } };
        switch (created.code) {
          case "unknown_site":
            throw notFound("site");
          case "expiry_in_past":
            throw new ApiError(ERROR_CODES.VALIDATION_FAILED, "expiresAt must lie in the future", [
              { path: "body.expiresAt", message: "in the past" },
            ]);
          case "scope_not_allowed":
            throw new ApiError(
              ERROR_CODES.VALIDATION_FAILED,
              `a ${body.kind} may not hold ${created.notAllowed.join(", ") || "no scopes"}`,
              [{ path: "body.scopes", message: `not allowed: ${created.notAllowed.join(", ")}` }],
            );
        }
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/machine-credentials`,
      operationId: "listMachineCredentials",
      summary: "Machine credentials of the caller's sites (never their secrets), with last use",
      tag: "machine credentials",
      scope: "machines:admin",
      response: { kind: "json", status: 200, schema: listOf(MachineCredential), description: "The credentials" },
      handler: async ({ principal }) => ({
        status: 200,
        body: { items: await machines.list(principal.orgId, principal) },
      }),
    }),
    defineRoute({
      method: "delete",
      path: `${API}/machine-credentials/:credentialId`,
      operationId: "revokeMachineCredential",
      summary: "Revoke one machine credential; its live sockets are dropped",
      tag: "machine credentials",
      scope: "machines:admin",
      params: CredentialParams,
      response: { kind: "empty", status: 204, description: "Revoked" },
      handler: async ({ principal, params, now }) => {
        const revoked = await machines.revoke(principal.orgId, params.credentialId, principal, now);
        if (revoked.ok) return { status: 204, empty: true };
        switch (revoked.code) {
          case "not_found":
            throw notFound("machine credential");
          case "site_not_allowed":
            throw new ApiError(ERROR_CODES.FORBIDDEN, "the machine credential's site is outside the caller's sites");
        }
      },
    }),
  ];
}
