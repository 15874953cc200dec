import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import { FloorPlan } from "@desksharing/protocol";

export class PlanError extends Error {
  override name = "PlanError";
  readonly code = "VALIDATION_FAILED";
}

function planFilesOf(entry: string): string[] {
  if (!statSync(entry, { throwIfNoEntry: false })?.isDirectory()) return [entry];
  return readdirSync(entry)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => path.join(entry, name));
}

/** Reads and validates the site's floor plans (files, or directories of `*.json` plans). */
export function loadPlans(entries: readonly string[], siteId: string): FloorPlan[] {
  const problems: string[] = [];
  const plans: FloorPlan[] = [];
  for (const file of entries.flatMap(planFilesOf)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    const result = FloorPlan.safeParse(raw);
    if (!result.success) {
      problems.push(
        `${file}: ${result.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join(".")}: ${i.message}`)
          .join("; ")}`,
      );
    } else if (result.data.siteId !== siteId) {
      problems.push(
        `${file}: plan of site '${result.data.siteId}', edge is configured for '${siteId}' (DESK_EDGE_SITE_ID)`,
      );
    } else {
      plans.push(result.data);
    }
  }
  if (plans.length === 0 && problems.length === 0)
    problems.push(`no floor plans found in ${entries.join(", ")} (DESK_EDGE_PLAN_FILES)`);
  if (problems.length > 0) throw new PlanError(`cannot load floor plans:\n  - ${problems.join("\n  - ")}`);
  return plans;
}
