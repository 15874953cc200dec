import { ERROR_CODES, Organisation, OrganisationSettings, OrganisationSettingsPatch } from "@desksharing/protocol";

import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { subjectOf } from "../../identity/scopes.js";
import { API, type RouteDeps } from "./common.js";

export function organisationRoutes({ repos, access, onDownlinkChanged }: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: `${API}/organisation`,
      operationId: "getOrganisation",
      summary: "The caller's organisation",
      tag: "organisation",
      scope: "org:read",
      response: { kind: "json", status: 200, schema: Organisation, description: "The organisation" },
      handler: async ({ principal }) => {
        const organisation = await repos.organisations.get(principal.orgId);
        if (!organisation) throw notFound("organisation");
        return { status: 200, body: organisation };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/organisation/settings`,
      operationId: "getOrganisationSettings",
      summary: "Booking rules and privacy settings",
      tag: "organisation",
      scope: "org:read",
      response: { kind: "json", status: 200, schema: OrganisationSettings, description: "The settings" },
      handler: async ({ principal }) => {
        const settings = await repos.organisations.settings(principal.orgId);
        if (!settings) throw notFound("organisation settings");
        return { status: 200, body: settings };
      },
    }),
    defineRoute({
      method: "patch",
      path: `${API}/organisation/settings`,
      operationId: "updateOrganisationSettings",
      summary: "Change booking rules and privacy settings",
      tag: "organisation",
      scope: "org:admin",
      body: { kind: "json", schema: OrganisationSettingsPatch, limit: "json" },
      response: {
        kind: "json",
        status: 200,
        schema: OrganisationSettings,
        description: "The settings after the change",
      },
      handler: async ({ principal, body, now }) => {
        const current = await repos.organisations.settings(principal.orgId);
        if (!current) throw notFound("organisation settings");
        const rules = { ...current.bookingRules, ...body.bookingRules };
        if (rules.minBookingMinutes > rules.maxBookingMinutes) {
          throw new ApiError(ERROR_CODES.VALIDATION_FAILED, "minBookingMinutes must not exceed maxBookingMinutes", [
            { path: "body.bookingRules.minBookingMinutes", message: "exceeds maxBookingMinutes" },
          ]);
        }
        const settings = await repos.organisations.updateSettings(principal.orgId, body);
        if (!settings) throw notFound("organisation settings");
        await access.audit.record({
          at: now,
          action: "settings_change",
          actor: subjectOf(principal),
          orgId: principal.orgId,
          target: `organisation:${principal.orgId}`,
          outcome: "success",
          details: { bookingRules: body.bookingRules ?? null, privacy: body.privacy ?? null },
        });
        onDownlinkChanged(principal.orgId, ["settings"], "all");
        return { status: 200, body: settings };
      },
    }),
  ];
}
