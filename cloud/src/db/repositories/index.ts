import type { Db } from "../database.js";
import { apiTokenRepository } from "./api-tokens.js";
import { floorPlanRepository } from "./floor-plans.js";
import { imageRepository } from "./images.js";
import { organisationRepository } from "./organisations.js";
import { siteRepository } from "./sites.js";

export function createRepositories(db: Db) {
  return {
    organisations: organisationRepository(db),
    sites: siteRepository(db),
    floorPlans: floorPlanRepository(db),
    images: imageRepository(db),
    apiTokens: apiTokenRepository(db),
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
