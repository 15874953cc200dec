export { loadFloorPlan } from "./load.js";
export { SAMPLE_SITE, loadSampleSite } from "./sample-site.js";
export { generateFloorPlan, MAX_GENERATED_DESKS, type GenerateFloorPlanOptions } from "./generate.js";
