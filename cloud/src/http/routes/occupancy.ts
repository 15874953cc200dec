import { GatewayLinkState, SiteOccupancy } from "@desksharing/protocol";

import { defineRoute, type AnyRoute } from "../route.js";
import { API, listOf, SiteParams, siteInReach, type RouteDeps } from "./common.js";

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function occupancyRoutes({ repos, connectedGateways }: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: `${API}/sites/:siteId/occupancy`,
      operationId: "getSiteOccupancy",
      summary: "Current desk, room and device state of a site, as its gateway last reported it",
      tag: "occupancy",
      scope: "occupancy:read",
      params: SiteParams,
      response: { kind: "json", status: 200, schema: SiteOccupancy, description: "The current state" },
      handler: async ({ principal, params }) => {
        const site = await siteInReach(repos, principal, params.siteId);
        return { status: 200, body: await repos.occupancy.siteOccupancy(principal.orgId, site.id, site.key) };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/sites/:siteId/gateways`,
      operationId: "listSiteGateways",
      summary: "The site's gateway credentials with their link: connected, last contact, lag, outbox depth",
      tag: "occupancy",
      scope: "machines:admin",
      params: SiteParams,
      response: { kind: "json", status: 200, schema: listOf(GatewayLinkState), description: "The gateways" },
      handler: async ({ principal, params, now }) => {
        const site = await siteInReach(repos, principal, params.siteId);
        const [credentials, statuses, connected] = await Promise.all([
          repos.machineCredentials.list(principal.orgId),
          repos.occupancy.gatewayStatuses(principal.orgId, site.id),
          connectedGateways(principal.orgId),
        ]);
        const statusOf = new Map(statuses.map((status) => [status.credentialId, status]));
        const items = credentials
          .filter((credential) => credential.kind === "gateway" && credential.siteId === site.id)
          .filter((credential) => credential.revokedAt === null)
          .map((credential): GatewayLinkState => {
            const status = statusOf.get(credential.id);
            const lagMs =
              status?.statusAt == null
                ? null
                : status.oldestUnsentAt === null
                  ? 0
                  : Math.max(0, now.getTime() - status.oldestUnsentAt);
            return {
              credentialId: credential.id,
              name: credential.name,
              connected: connected.has(credential.id),
              lastContactAt: iso(status?.lastContactAt ?? null),
              newestEventAt: iso(status?.newestEventAt ?? null),
              lagMs,
              outboxDepth: status?.outboxDepth ?? null,
              oldestUnsentAt: iso(status?.oldestUnsentAt ?? null),
              droppedTotal: status?.droppedTotal ?? null,
              statusAt: iso(status?.statusAt ?? null),
              eventsStored: status?.eventsStored ?? 0,
            };
          });
        return { status: 200, body: { items } };
      },
    }),
  ];
}
