import { pino } from "pino";

import { BrokerUnreachableError, PortInUseError } from "./adapters/errors.js";
import type { EdgeHandle } from "./app.js";
import { startEdge } from "./app.js";
import { ConfigError, loadEdgeConfig } from "./config.js";
import { PlanError } from "./plans.js";

/**
 * CLI entry: configuration from the environment, clean shutdown on SIGINT/SIGTERM. Run it as `npm start -w edge`,
 * i.e. `MALLOC_ARENA_MAX=2 node --max-old-space-size=128 --max-semi-space-size=4 --v8-pool-size=2 dist/main.mjs`
 * (this file bundled): without the heap cap V8 lets garbage grow to several hundred MB under ingest, and the
 * allocator and thread limits keep another ~10 MB of the resident set away (edge/CONTEXT.md, "Memory").
 */
async function main(): Promise<void> {
  let handle: EdgeHandle;
  try {
    const config = loadEdgeConfig();
    handle = await startEdge(config, pino({ level: config.logLevel }));
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof PortInUseError ||
      error instanceof PlanError ||
      error instanceof BrokerUnreachableError
    ) {
      process.stderr.write(`edge: ${error.message}\n`);
      process.exit(error instanceof ConfigError || error instanceof PlanError ? 2 : 1);
    }
    throw error;
  }
  process.stderr.write(
    `\nEdge gateway running\n  HTTPS:  ${handle.httpsUrl}  (health: /health, metrics: /metrics)\n` +
      `  Kiosk:  ${handle.kioskUrl}\n  MQTT:   ${handle.mqttUrl}\n  Data:   ${handle.dataDir}\n\n`,
  );
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    handle.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`edge: stopping after ${signal} failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

await main();
