/**
 * `npm start`: the whole system on embedded defaults. Starts the cloud, the edge gateway (embedded MQTT broker) and
 * the mock sensor fleet of the sample office on one accelerated clock, prints where to look, stops on Ctrl-C.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { loadCloudConfig, startCloud } from "@desksharing/cloud";
import { loadEdgeConfig, loadPlans, startEdge } from "@desksharing/edge";
import { startFleet, type Fleet } from "@desksharing/firmware-mocks";
import { FleetCredentials, formatClockAnchor, virtualTime, type ClockAnchor } from "@desksharing/protocol";

const DEFAULT_SPEED = 60;
const PROGRESS_EVERY_MS = 10_000;

function demoClock(env: NodeJS.ProcessEnv): ClockAnchor {
  const speed = Number(env.DEMO_SPEED ?? DEFAULT_SPEED);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new Error(`DEMO_SPEED must be a positive number, got '${env.DEMO_SPEED}'`);
  const start = new Date();
  start.setHours(8, 0, 0, 0);
  return { realMs: Date.now(), virtualMs: start.getTime(), speed };
}

function clockText(anchor: ClockAnchor): string {
  return new Date(virtualTime(anchor, Date.now())).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

async function main(): Promise<void> {
  const env = { ...process.env };
  const anchor = demoClock(env);
  env.DESK_EDGE_CLOCK_ANCHOR ??= formatClockAnchor(anchor);

  // Stopped in reverse order; whatever started before a failure is stopped again so the process can exit.
  const running: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const part of running.reverse()) await part.stop();
  };
  let cloud: Awaited<ReturnType<typeof startCloud>>;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  let fleet: Fleet;
  let credentials: FleetCredentials;
  try {
    cloud = await startCloud(loadCloudConfig(env));
    running.push({ name: "cloud", stop: () => cloud.stop() });
    const edgeConfig = loadEdgeConfig(env);
    edge = await startEdge(edgeConfig);
    running.push({ name: "edge", stop: () => edge.stop() });
    credentials = FleetCredentials.parse(
      JSON.parse(readFileSync(join(edge.dataDir, "fleet-credentials.json"), "utf8")),
    );
    const plans = loadPlans(edgeConfig.planFiles, edgeConfig.siteId);
    fleet = await startFleet({ brokerUrl: edge.mqttUrl, credentials, plans, clock: anchor, seed: 1 });
    running.push({ name: "fleet", stop: () => fleet.stop() });
  } catch (error) {
    await stopAll();
    throw error;
  }

  console.log(
    [
      "",
      `Desk sharing is running (office day at ${anchor.speed}× speed, virtual time ${clockText(anchor)}).`,
      `  Kiosk:          ${edge.kioskUrl}`,
      `  Edge health:    ${edge.httpsUrl}/health`,
      `  Edge metrics:   ${edge.httpsUrl}/metrics`,
      `  Sensors (MQTT): ${edge.mqttUrl}  (${credentials.devices.length} simulated devices)`,
      `  Cloud API:      ${cloud.url}/api/v1  (OpenAPI: ${cloud.url}/api/v1/openapi.json)`,
      cloud.adminPassword
        ? `  First admin (shown once, also in ${join(edge.dataDir, "cloud-admin-password")}): ${cloud.adminEmail} / ${cloud.adminPassword}`
        : "",
      "  Certificates are self-signed development certificates in the data directory. Ctrl-C stops everything.",
      "",
    ]
      .filter((line) => line !== "")
      .join("\n"),
  );

  const progress = setInterval(() => {
    const stats = fleet.stats();
    console.log(
      `[${clockText(anchor)}] devices connected ${stats.connected}/${stats.devices}, readings sent ${stats.published}`,
    );
  }, PROGRESS_EVERY_MS);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    console.log(`\n${signal}: stopping the fleet, the edge and the cloud…`);
    await stopAll();
    console.log("Stopped cleanly.");
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`Could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
