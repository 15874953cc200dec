import { loadEdgeConfig } from "./config.js";
import { loadPlans } from "./plans.js";
import { credentialPaths, provisionSite } from "./provision.js";

/** `npm run provision -w edge`: creates or extends the site's credentials in DATA_DIR (config as for start). */
const config = loadEdgeConfig();
const plans = loadPlans(config.planFiles, config.siteId);
const result = await provisionSite({ dataDir: config.dataDir, siteId: config.siteId, plans });
const paths = credentialPaths(config.dataDir);
process.stdout.write(
  `Provisioned ${result.fleet.devices.length} devices and one kiosk for site ${config.siteId}\n` +
    `  device credentials: ${result.fleetPath}\n  kiosk credential:   ${paths.kiosk}\n` +
    `  Mosquitto files:    ${paths.mosquittoPasswords} (password_file), ${paths.mosquittoAcl} (acl_file)\n`,
);
