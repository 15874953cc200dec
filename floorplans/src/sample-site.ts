import { fileURLToPath } from "node:url";

import type { FloorPlan } from "@desksharing/protocol";

import { loadFloorPlan } from "./load.js";

/** The sample office shipped with the repository: two floors, 120 desks, 8 meeting rooms. */
export const SAMPLE_SITE: { siteId: string; siteName: string; planPaths: string[] } = {
  siteId: "hq",
  siteName: "Berlin HQ",
  planPaths: ["floor-1.json", "floor-2.json"].map((file) => fileURLToPath(new URL(`../hq/${file}`, import.meta.url))),
};

export function loadSampleSite(): { siteId: string; siteName: string; plans: FloorPlan[] } {
  return {
    siteId: SAMPLE_SITE.siteId,
    siteName: SAMPLE_SITE.siteName,
    plans: SAMPLE_SITE.planPaths.map(loadFloorPlan),
  };
}
