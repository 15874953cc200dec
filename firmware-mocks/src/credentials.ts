import { randomBytes } from "node:crypto";

import {
  deviceProfileOf,
  ERROR_CODES,
  type FleetCredentials,
  type FloorPlan,
  sensorsOfPlan,
} from "@desksharing/protocol";

import { FleetError } from "./errors.js";

/**
 * Credentials for every sensor the plans name, with fresh random passwords: enough for a broker that allows
 * anonymous or any password. A secure edge provisions its own credentials file instead (`--credentials`).
 */
export function credentialsFromPlans(plans: readonly FloorPlan[]): FleetCredentials {
  const siteIds = [...new Set(plans.map((plan) => plan.siteId))];
  const [siteId] = siteIds;
  if (siteId === undefined || siteIds.length > 1) {
    throw new FleetError(
      ERROR_CODES.VALIDATION_FAILED,
      siteId === undefined ? "no floor plans given" : `floor plans of several sites: ${siteIds.join(", ")}`,
    );
  }
  const sensors = plans.flatMap(sensorsOfPlan);
  const seen = new Set<string>();
  for (const sensor of sensors) {
    if (seen.has(sensor.deviceId)) {
      throw new FleetError(ERROR_CODES.VALIDATION_FAILED, `sensor '${sensor.deviceId}' appears on two floors`);
    }
    seen.add(sensor.deviceId);
  }
  return {
    siteId,
    devices: sensors.map((sensor) => ({
      deviceId: sensor.deviceId,
      password: randomBytes(18).toString("base64url"),
      profile: deviceProfileOf(sensor.deviceId, sensor.kind),
      targetId: sensor.targetId,
      floorId: sensor.floorId,
    })),
  };
}
