import { ERROR_CODES, Floor, Site, SiteCreate, SitePatch } from "@desksharing/protocol";

import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { allowedSite } from "../site-access.js";
import { API, FloorParams, floorInReach, listOf, SiteParams, siteInReach, type RouteDeps } from "./common.js";

export function siteRoutes({ repos, onDownlinkChanged }: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: `${API}/sites`,
      operationId: "listSites",
      summary: "Sites of the organisation",
      tag: "sites",
      scope: "sites:read",
      response: { kind: "json", status: 200, schema: listOf(Site), description: "The sites" },
      handler: async ({ principal }) => {
        const sites = await repos.sites.list(principal.orgId);
        return { status: 200, body: { items: sites.filter((site) => allowedSite(principal, site.id)) } };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/sites`,
      operationId: "createSite",
      summary: "Add a site",
      tag: "sites",
      scope: "sites:write",
      body: { kind: "json", schema: SiteCreate, limit: "json" },
      response: { kind: "json", status: 201, schema: Site, description: "The new site" },
      errors: [409],
      handler: async ({ principal, body }) => {
        if (principal.siteIds !== "all") {
          throw new ApiError(ERROR_CODES.FORBIDDEN, "a credential limited to some sites cannot add sites");
        }
        const created = await repos.sites.create(principal.orgId, body);
        if (!created.ok) throw new ApiError(ERROR_CODES.CONFLICT, `a site with key '${body.key}' exists already`);
        return { status: 201, body: created.value };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/sites/:siteId`,
      operationId: "getSite",
      summary: "One site",
      tag: "sites",
      scope: "sites:read",
      params: SiteParams,
      response: { kind: "json", status: 200, schema: Site, description: "The site" },
      handler: async ({ principal, params }) => {
        return { status: 200, body: await siteInReach(repos, principal, params.siteId) };
      },
    }),
    defineRoute({
      method: "patch",
      path: `${API}/sites/:siteId`,
      operationId: "updateSite",
      summary: "Change a site's name, address or time zone",
      tag: "sites",
      scope: "sites:write",
      params: SiteParams,
      body: { kind: "json", schema: SitePatch, limit: "json" },
      response: { kind: "json", status: 200, schema: Site, description: "The site after the change" },
      handler: async ({ principal, params, body }) => {
        await siteInReach(repos, principal, params.siteId);
        const site = await repos.sites.update(principal.orgId, params.siteId, body);
        if (!site) throw notFound("site");
        onDownlinkChanged(principal.orgId, ["settings"], { id: site.id });
        return { status: 200, body: site };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/sites/:siteId/floors`,
      operationId: "listFloors",
      summary: "Floors of a site, lowest first",
      tag: "sites",
      scope: "sites:read",
      params: SiteParams,
      response: { kind: "json", status: 200, schema: listOf(Floor), description: "The floors" },
      handler: async ({ principal, params }) => {
        await siteInReach(repos, principal, params.siteId);
        return { status: 200, body: { items: await repos.sites.floors(principal.orgId, params.siteId) } };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId`,
      operationId: "getFloor",
      summary: "One floor",
      tag: "sites",
      scope: "sites:read",
      params: FloorParams,
      response: { kind: "json", status: 200, schema: Floor, description: "The floor" },
      handler: async ({ principal, params }) => {
        return { status: 200, body: await floorInReach(repos, principal, params.floorId) };
      },
    }),
  ];
}
