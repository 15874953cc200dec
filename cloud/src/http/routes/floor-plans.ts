import {
  ERROR_CODES,
  FloorLayout,
  FloorPlan,
  FloorPlanImport,
  FloorPlanVersionDetail,
  FloorPlanVersionSummary,
  PublishedFloorPlan,
} from "@desksharing/protocol";

import { placementIssues } from "../../domain/floor-plan.js";
import { ApiError, notFound } from "../errors.js";
import { defineRoute, type AnyRoute } from "../route.js";
import { subjectOf, type Principal } from "../../identity/scopes.js";
import {
  API,
  FloorParams,
  floorInReach,
  listOf,
  SiteParams,
  siteInReach,
  VersionParams,
  type RouteDeps,
} from "./common.js";

function checkPlacement(plan: FloorPlan, siteKey: string, floorKey?: string): void {
  const issues = placementIssues(plan, siteKey, floorKey);
  if (issues.length > 0) throw new ApiError(ERROR_CODES.VALIDATION_FAILED, issues[0]?.message ?? "", issues);
}

/**
 * Machines (gateways, kiosks, integrations) hold `plans:read` to fetch what is live: a draft is work in progress of
 * the facilities team and must never reach an edge or a public screen, so for them drafts do not exist.
 */
const seesDrafts = (principal: Principal): boolean => principal.kind === "user";

const notDraft = (): ApiError =>
  new ApiError(ERROR_CODES.CONFLICT, "only a draft can be changed or published; import a new draft instead");

export function floorPlanRoutes(deps: RouteDeps): AnyRoute[] {
  const { repos } = deps;
  return [
    defineRoute({
      method: "post",
      path: `${API}/sites/:siteId/floor-plans`,
      operationId: "importFloorPlan",
      summary: "Import a floor-plan document as a new draft of its floor (the floor is created on first import)",
      tag: "floor plans",
      scope: "plans:write",
      params: SiteParams,
      body: { kind: "json", schema: FloorPlan, limit: "floorPlan" },
      response: { kind: "json", status: 201, schema: FloorPlanImport, description: "The floor and the new draft" },
      handler: async ({ principal, params, body }) => {
        const site = await siteInReach(repos, principal, params.siteId);
        checkPlacement(body, site.key);
        const imported = await repos.floorPlans.importDraft(principal.orgId, site.id, body, subjectOf(principal));
        if (!imported) throw notFound("site");
        return { status: 201, body: imported };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/sites/:siteId/floor-plans`,
      operationId: "listPublishedFloorPlans",
      summary: "The published floor plans of a site (what edges and kiosks receive)",
      tag: "floor plans",
      scope: "plans:read",
      params: SiteParams,
      response: { kind: "json", status: 200, schema: listOf(PublishedFloorPlan), description: "Published plans" },
      handler: async ({ principal, params }) => {
        await siteInReach(repos, principal, params.siteId);
        const plans = await repos.floorPlans.publishedForSite(principal.orgId, params.siteId);
        if (!plans) throw notFound("site");
        return { status: 200, body: { items: plans } };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId/plan`,
      operationId: "getPublishedFloorPlan",
      summary: "The floor's published plan",
      tag: "floor plans",
      scope: "plans:read",
      params: FloorParams,
      response: { kind: "json", status: 200, schema: PublishedFloorPlan, description: "The published plan" },
      handler: async ({ principal, params }) => {
        await floorInReach(repos, principal, params.floorId);
        const plan = await repos.floorPlans.published(principal.orgId, params.floorId);
        if (!plan) throw notFound("published floor plan");
        return { status: 200, body: plan };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId/layout`,
      operationId: "getFloorLayout",
      summary: "Zones, desks and rooms of the floor's published version",
      tag: "floor plans",
      scope: "plans:read",
      params: FloorParams,
      response: { kind: "json", status: 200, schema: FloorLayout, description: "The layout" },
      handler: async ({ principal, params }) => {
        await floorInReach(repos, principal, params.floorId);
        const layout = await repos.floorPlans.layout(principal.orgId, params.floorId);
        if (!layout) throw notFound("published floor plan");
        return { status: 200, body: layout };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId/versions`,
      operationId: "listFloorPlanVersions",
      summary: "Versions of the floor's plan, newest first (machines see no drafts)",
      tag: "floor plans",
      scope: "plans:read",
      params: FloorParams,
      response: { kind: "json", status: 200, schema: listOf(FloorPlanVersionSummary), description: "The versions" },
      handler: async ({ principal, params }) => {
        await floorInReach(repos, principal, params.floorId);
        const versions = await repos.floorPlans.versions(principal.orgId, params.floorId, {
          drafts: seesDrafts(principal),
        });
        if (!versions) throw notFound("floor");
        return { status: 200, body: { items: versions } };
      },
    }),
    defineRoute({
      method: "get",
      path: `${API}/floors/:floorId/versions/:version`,
      operationId: "getFloorPlanVersion",
      summary: "One version with its document (a draft is not found for machines)",
      tag: "floor plans",
      scope: "plans:read",
      params: VersionParams,
      response: { kind: "json", status: 200, schema: FloorPlanVersionDetail, description: "The version" },
      handler: async ({ principal, params }) => {
        await floorInReach(repos, principal, params.floorId);
        const version = await repos.floorPlans.version(principal.orgId, params.floorId, params.version, {
          drafts: seesDrafts(principal),
        });
        if (!version) throw notFound("floor-plan version");
        return { status: 200, body: version };
      },
    }),
    defineRoute({
      method: "put",
      path: `${API}/floors/:floorId/versions/:version`,
      operationId: "updateFloorPlanDraft",
      summary: "Replace the document of a draft",
      tag: "floor plans",
      scope: "plans:write",
      params: VersionParams,
      body: { kind: "json", schema: FloorPlan, limit: "floorPlan" },
      response: {
        kind: "json",
        status: 200,
        schema: FloorPlanVersionDetail,
        description: "The draft after the change",
      },
      errors: [409],
      handler: async ({ principal, params, body }) => {
        const floor = await floorInReach(repos, principal, params.floorId);
        const site = await repos.sites.get(principal.orgId, floor.siteId);
        if (!site) throw notFound("site");
        checkPlacement(body, site.key, floor.key);
        const changed = await repos.floorPlans.updateDraft(principal.orgId, floor.id, params.version, body);
        if (!changed.ok) throw changed.reason === "not-found" ? notFound("floor-plan version") : notDraft();
        return { status: 200, body: changed.value };
      },
    }),
    defineRoute({
      method: "post",
      path: `${API}/floors/:floorId/versions/:version/publish`,
      operationId: "publishFloorPlanVersion",
      summary: "Publish a draft; the previously published version retires",
      tag: "floor plans",
      scope: "plans:publish",
      params: VersionParams,
      response: { kind: "json", status: 200, schema: FloorPlanVersionSummary, description: "The published version" },
      errors: [409],
      handler: async ({ principal, params, now }) => {
        await floorInReach(repos, principal, params.floorId);
        const published = await repos.floorPlans.publish(
          principal.orgId,
          params.floorId,
          params.version,
          subjectOf(principal),
          now,
        );
        if (!published.ok) throw published.reason === "not-found" ? notFound("floor-plan version") : notDraft();
        deps.onPlanPublished(principal.orgId, published.value.event);
        return { status: 200, body: published.value.summary };
      },
    }),
  ];
}
