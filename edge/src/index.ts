export type { EdgeHandle } from "./app.js";
export { startEdge } from "./app.js";
export type { EdgeConfig } from "./config.js";
export { ConfigError, loadEdgeConfig } from "./config.js";
export { PortInUseError } from "./adapters/errors.js";
export { OBSERVER_USERNAME } from "./adapters/embedded-broker.js";
export type { KioskCredentials, ObserverCredentials, ProvisionResult } from "./provision.js";
export { credentialPaths, edgeDatabasePath, provisionSite } from "./provision.js";
export type { Logger } from "pino";
