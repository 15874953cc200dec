import { readFileSync } from "node:fs";

import { FloorPlan } from "@desksharing/protocol";

/**
 * Reads and validates one floor-plan document. Throws an Error that names the file and lists every problem found,
 * so a person editing the JSON by hand can fix them all in one go.
 */
export function loadFloorPlan(path: string): FloorPlan {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read floor plan ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`floor plan ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const result = FloorPlan.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `  - ${issue.path.join(".") || "(document)"}: ${issue.message}`);
    throw new Error(`floor plan ${path} is invalid (${issues.length} issue(s)):\n${issues.join("\n")}`);
  }
  return result.data;
}
