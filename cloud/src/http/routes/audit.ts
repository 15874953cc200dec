import { AuditEntry, AuditEventsQuery, AuditVerification, PlatformRevocation } from "@desksharing/protocol";

import { subjectOf } from "../../identity/scopes.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { API, listOf, type RouteDeps } from "./common.js";

export function auditRoutes({ access, repos }: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: `${API}/audit/verify`,
      operationId: "verifyAuditLog",
      summary: "Check the audit log's hash chain: a changed, removed, reordered or truncated entry is reported",
      tag: "audit",
      scope: "audit:read",
      response: { kind: "json", status: 200, schema: AuditVerification, description: "The outcome" },
      handler: async () => ({ status: 200, body: await access.audit.verify() }),
    }),
    defineRoute({
      method: "get",
      path: `${API}/audit/events`,
      operationId: "listAuditEvents",
      summary: "The organisation's newest audit entries (ids only, no personal data, no secrets)",
      tag: "audit",
      scope: "audit:read",
      query: AuditEventsQuery,
      response: { kind: "json", status: 200, schema: listOf(AuditEntry), description: "Newest first" },
      handler: async ({ principal, query }) => {
        const records = await repos.auditLog.recent(principal.orgId, query.limit);
        return {
          status: 200,
          body: {
            items: records.map((record) => ({
              seq: record.seq,
              at: record.at,
              action: record.action,
              actor: record.actor,
              target: record.target ?? null,
              outcome: record.outcome ?? null,
              details: (record.details as Record<string, unknown> | null | undefined) ?? null,
            })),
          },
        };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/platform/revoke-all`,
      operationId: "revokePlatform",
      summary:
        "Incident response: every session of every organisation ends, the signing keys are replaced and every " +
        "socket is dropped",
      tag: "platform",
      scope: "platform:admin",
      response: { kind: "json", status: 200, schema: PlatformRevocation, description: "The new epoch" },
      handler: async ({ principal, now }) => ({
        status: 200,
        body: await access.accounts.revokePlatform(subjectOf(principal), principal.orgId, now),
      }),
    }),
    defineRoute({
      method: "post",
      path: `${API}/platform/signing-keys/rotate`,
      operationId: "rotateSigningKeys",
      summary: "Scheduled rotation: the published next key starts signing; tokens signed before stay valid",
      tag: "platform",
      scope: "platform:admin",
      response: { kind: "empty", status: 204, description: "Rotated" },
      handler: async ({ principal, now }) => {
        await access.signing.rotate(now);
        await access.audit.record({
          at: now,
          action: "signing_key_rotate",
          actor: subjectOf(principal),
          orgId: principal.orgId,
          outcome: "success",
        });
        return { status: 204, empty: true };
      },
    }),
  ];
}
