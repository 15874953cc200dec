import { z } from "zod";

import { Id } from "@desksharing/protocol";

import type { Database } from "../../db/database.js";
import type { PublishedEvent } from "../../db/repositories/floor-plans.js";
import type { Repositories } from "../../db/repositories/index.js";

export interface RouteDeps {
  repos: Repositories;
  database: Database;
  /** Tells live browsers and gateways of the organisation that a floor has a new published plan. */
  onPlanPublished(orgId: string, event: PublishedEvent): void;
}

export const API = "/api/v1";

export const SiteParams = z.strictObject({ siteId: Id });
export const FloorParams = z.strictObject({ floorId: Id });
export const VersionParams = z.strictObject({ floorId: Id, version: z.coerce.number().int().positive().max(1e9) });
export const ImageParams = z.strictObject({ imageId: Id });

export const listOf = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });
