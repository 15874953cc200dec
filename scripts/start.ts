/**
 * `npm start`: the whole system on embedded defaults. Starts the cloud, the edge gateway (embedded MQTT broker) and
 * the mock sensor fleet of the sample office on one accelerated clock, prints where to look, stops on Ctrl-C.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { loadCloudConfig, startCloud, type CloudConfig, type StartedCloud } from "@desksharing/cloud";
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

interface EdgeEnrolment {
  tokenFile: string;
  caFile: string;
}

/**
 * The edge's gateway credential, as an admin would create it: made once (again when the cloud's database is new)
 * and kept in DATA_DIR, readable only by the owner, with the cloud's development certificate as the CA to trust.
 */
async function enrolEdge(cloud: StartedCloud, dataDir: string, siteKey: string): Promise<EdgeEnrolment> {
  const tokenFile = join(dataDir, "edge-gateway-credential");
  const caFile = join(dataDir, "cloud-ca.pem");
  if (!existsSync(tokenFile) || cloud.adminPassword !== undefined) {
    writeFileSync(tokenFile, `${await cloud.enrolGateway(siteKey, "edge (npm start)")}\n`, { mode: 0o600 });
  }
  writeFileSync(caFile, cloud.caCertificate);
  return { tokenFile, caFile };
}

function linkEdgeToCloud(env: NodeJS.ProcessEnv, enrolment: EdgeEnrolment, cloudUrl: string): void {
  env.DESK_EDGE_CLOUD_URL ??= cloudUrl;
  env.DESK_EDGE_CLOUD_TOKEN_FILE ??= enrolment.tokenFile;
  env.DESK_EDGE_CLOUD_CA_FILE ??= enrolment.caFile;
}

async function main(): Promise<void> {
  const env = { ...process.env };
  const anchor = demoClock(env);
  env.DESK_EDGE_CLOCK_ANCHOR ??= formatClockAnchor(anchor);
  // the cloud judges occupancy event times by the same accelerated clock
  env.DESK_CLOUD_CLOCK_ANCHOR ??= env.DESK_EDGE_CLOCK_ANCHOR;

  // Stopped in reverse order; whatever started before a failure is stopped again so the process can exit.
  const running: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const part of running.reverse()) await part.stop();
  };
  let cloud: StartedCloud;
  let cloudUp = true;
  let cloudConfig: CloudConfig;
  let edge: Awaited<ReturnType<typeof startEdge>>;
  let fleet: Fleet;
  let credentials: FleetCredentials;
  try {
    cloudConfig = loadCloudConfig(env);
    cloud = await startCloud(cloudConfig);
    running.push({ name: "cloud", stop: () => (cloudUp ? cloud.stop() : Promise.resolve()) });
    linkEdgeToCloud(env, await enrolEdge(cloud, cloudConfig.dataDir, env.DESK_EDGE_SITE_ID ?? "hq"), cloud.url);
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
      "  Certificates are self-signed development certificates in the data directory.",
      `  Press c (or send SIGUSR2 to pid ${process.pid}) to stop the cloud and again to restart it: the edge keeps`,
      "  working, its outbox fills (edge_uplink_outbox in the edge metrics) and drains when the cloud is back.",
      "  Ctrl-C stops everything.",
      "",
    ]
      .filter((line) => line !== "")
      .join("\n"),
  );

  let stopping = false;
  const progress = setInterval(() => {
    const stats = fleet.stats();
    const link = edge.cloudLink();
    const cloudText = link === null ? "" : `, cloud link ${link.link.state}, outbox ${link.outboxDepth} events`;
    console.log(
      `[${clockText(anchor)}] devices connected ${stats.connected}/${stats.devices}, readings sent ${stats.published}${cloudText}`,
    );
  }, PROGRESS_EVERY_MS);

  let toggling = false;
  const toggleCloud = async (): Promise<void> => {
    if (toggling || stopping) return;
    toggling = true;
    try {
      if (cloudUp) {
        cloudUp = false;
        await cloud.stop();
        console.log("Cloud stopped: the edge and its kiosks go on, the edge's outbox fills. Press c to restart it.");
      } else {
        cloud = await startCloud(cloudConfig);
        cloudUp = true;
        console.log(`Cloud running again at ${cloud.url}: the edge reconnects and drains its outbox.`);
      }
    } catch (error) {
      console.error(`Could not ${cloudUp ? "stop" : "restart"} the cloud: ${(error as Error).message}`);
    } finally {
      toggling = false;
    }
  };
  process.on("SIGUSR2", () => void toggleCloud());
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on("data", (key: Buffer) => {
      const text = key.toString();
      if (text === "c") void toggleCloud();
      // raw mode swallows Ctrl-C's signal: pass it on
      if (text === "\u0003") process.kill(process.pid, "SIGINT");
    });
  }

  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    if (process.stdin.isTTY) process.stdin.pause();
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
