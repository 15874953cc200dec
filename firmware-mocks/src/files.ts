import { readFileSync } from "node:fs";

import { ERROR_CODES, FleetCredentials, FloorPlan } from "@desksharing/protocol";
import type { z } from "zod";

import { FleetError } from "./errors.js";

function readJson<T>(what: string, path: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new FleetError(ERROR_CODES.BAD_REQUEST, `cannot read ${what} ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(document)"}: ${issue.message}`);
    throw new FleetError(ERROR_CODES.VALIDATION_FAILED, `${what} ${path} is invalid: ${issues.join("; ")}`);
  }
  return result.data;
}

export function readFloorPlanFile(path: string): FloorPlan {
  return readJson("floor plan", path, FloorPlan);
}

export function readCredentialsFile(path: string): FleetCredentials {
  return readJson("credentials file", path, FleetCredentials);
}
