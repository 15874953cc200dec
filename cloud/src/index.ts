export { ConfigError, DEFAULT_SEED_PLAN_FILES, loadCloudConfig, type CloudConfig } from "./config.js";
export { startCloud, StartError } from "./app.js";
export { SCOPES, type Principal, type Scope } from "./domain/principal.js";
