export { startFleet, type Fleet, type FleetOptions, type FleetStats } from "./fleet.js";
export type { MockDevice } from "./device.js";
export { FAULT_KINDS, type FaultKind, parseFaultRates, CLOCK_SKEW_MS } from "./domain/faults.js";
export { credentialsFromPlans } from "./credentials.js";
export { readCredentialsFile, readFloorPlanFile } from "./files.js";
export { FleetError } from "./errors.js";
