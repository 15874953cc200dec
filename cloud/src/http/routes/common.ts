import { z } from "zod";

import { Id, type DownlinkPart, type Floor, type Site } from "@desksharing/protocol";

import type { Access } from "../../access/index.js";
import type { Database } from "../../db/database.js";
import type { PublishedEvent } from "../../db/repositories/floor-plans.js";
import type { Repositories } from "../../db/repositories/index.js";
import type { Principal } from "../../identity/scopes.js";
import { notFound } from "../errors.js";
import { requireSite } from "../site-access.js";

export interface RouteDeps {
  repos: Repositories;
  database: Database;
  access: Access;
  /** Tells live browsers and gateways of the organisation that a floor has a new published plan. */
  onPlanPublished(orgId: string, event: PublishedEvent): void;
  /** Tells the gateways of one site (by id) or of every site that parts of their downlink changed. */
  onDownlinkChanged: (orgId: string, parts: readonly DownlinkPart[], site: { id: string } | "all") => void;
  /** Ids of the organisation's machine credentials connected on `/gateway` (any instance). */
  connectedGateways: (orgId: string) => Promise<Set<string>>;
}

export const API = "/api/v1";

export const SiteParams = z.strictObject({ siteId: Id });
export const FloorParams = z.strictObject({ floorId: Id });
export const VersionParams = z.strictObject({ floorId: Id, version: z.coerce.number().int().positive().max(1e9) });
export const ImageParams = z.strictObject({ imageId: Id });

export const listOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });

/** The site, if it is the caller's organisation's (else 404) and within the caller's sites (else 403). */
export async function siteInReach(repos: Repositories, principal: Principal, siteId: string): Promise<Site> {
  const site = await repos.sites.get(principal.orgId, siteId);
  if (!site) throw notFound("site");
  requireSite(principal, site.id);
  return site;
}

/** The floor, if it is the caller's organisation's (else 404) and on one of the caller's sites (else 403). */
export async function floorInReach(repos: Repositories, principal: Principal, floorId: string): Promise<Floor> {
  const floor = await repos.sites.floor(principal.orgId, floorId);
  if (!floor) throw notFound("floor");
  requireSite(principal, floor.siteId);
  return floor;
}
