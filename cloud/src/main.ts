import { pino } from "pino";

import { startCloud, StartError } from "./app.js";
import { ConfigError, loadCloudConfig } from "./config.js";
import { SeedError } from "./seed.js";

async function main(): Promise<void> {
  const config = loadCloudConfig();
  const logger = pino({ level: config.logLevel });
  const cloud = await startCloud(config, logger);
  console.log(`Cloud API: ${cloud.url}/api/v1  (OpenAPI: ${cloud.url}/api/v1/openapi.json)`);
  if (cloud.adminPassword !== undefined) {
    console.log(
      `First admin: ${cloud.adminEmail ?? ""}  password (shown once, also in ${config.dataDir}/cloud-admin-password): ${cloud.adminPassword}`,
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    cloud.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartError || error instanceof SeedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
