export { ConfigError, DEFAULT_SEED_PLAN_FILES, loadCloudConfig, type CloudConfig } from "./config.js";
export { startCloud, StartError, type StartedCloud } from "./app.js";
export { ALL_SCOPES, ROLE_SCOPES, SCOPES, type Principal, type Role, type Scope } from "./identity/scopes.js";
