/**
 * Edge ingest benchmark: 5,000 desk sensors publish QoS 1 readings as fast as the embedded broker takes them
 * (one reading in flight per device). Measured in one run: the rate a bare subscriber receives from the same
 * broker (baseline), the edge's rate of readings committed to SQLite, their ratio (target ≥ 0.8) and the edge
 * process's peak RSS (target < 200 MB). Writes bench-results/edge-ingest.json.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { credentialPaths, edgeDatabasePath, provisionSite } from "@desksharing/edge";
import type { ObserverCredentials } from "@desksharing/edge";
import { generateFloorPlan } from "@desksharing/floorplans";
import { deviceStateTopic } from "@desksharing/protocol";
import Database from "better-sqlite3";
import type { MqttClient } from "mqtt";
import mqtt from "mqtt";

const DESKS = 5_000;
const WARMUP_MS = 3_000;
const MEASURE_MS = 12_000;
const CONNECT_CONCURRENCY = 100;
const TARGET_RATIO = 0.8;
const TARGET_RSS_MB = 200;
const SITE_ID = "bench";
/** The V8 settings `npm start -w edge` uses: a small young generation keeps the resident set of a gateway low. */
const EDGE_NODE_FLAGS = ["--max-semi-space-size=2"];

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const plan = generateFloorPlan({ desks: DESKS, siteId: SITE_ID, floorId: "f1", seed: 1, roomsPer100Desks: 0 });
  const planFile = join(dataDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const { fleet } = await provisionSite({ dataDir, siteId: SITE_ID, plans: [plan] });
  const observer = JSON.parse(readFileSync(credentialPaths(dataDir).observer, "utf8")) as ObserverCredentials;
  console.log(`provisioned ${fleet.devices.length} devices`);

  const edge = spawn(process.execPath, [...EDGE_NODE_FLAGS, "--import", "tsx", join(root, "edge/src/main.ts")], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: SITE_ID,
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_MQTT_PORT: "0",
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_HTTPS_PORT: "0",
      DESK_EDGE_HTTPS_HOST: "127.0.0.1",
      DESK_EDGE_LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const edgePid = edge.pid ?? 0;
  const mqttUrl = await new Promise<string>((ready, fail) => {
    const lines = createInterface({ input: edge.stdout });
    lines.on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; mqttUrl?: string };
        if (entry.msg === "edge ready" && entry.mqttUrl !== undefined) ready(entry.mqttUrl);
      } catch {
        // not a log line
      }
    });
    edge.once("exit", (code) => fail(new Error(`edge exited with ${code} before it was ready`)));
  });
  let peakRss = rssMb(edgePid);
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMb(edgePid))), 250);

  // the baseline subscriber gets a process of its own so that the publishers cannot starve it
  const subscriber = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--subscriber", mqttUrl, observer.username, observer.password],
    { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const subscriberCount = (): Promise<number> =>
    new Promise((answer) => {
      subscriber.once("message", (count) => answer(Number(count)));
      subscriber.send("count");
    });
  await new Promise<void>((ready) => subscriber.once("message", () => ready()));

  const clients: MqttClient[] = [];
  const started = Date.now();
  for (let i = 0; i < fleet.devices.length; i += CONNECT_CONCURRENCY) {
    const batch = fleet.devices.slice(i, i + CONNECT_CONCURRENCY);
    clients.push(
      ...(await Promise.all(
        batch.map((device) =>
          mqtt.connectAsync(mqttUrl, {
            clientId: device.deviceId,
            username: device.deviceId,
            password: device.password,
            reconnectPeriod: 0,
            keepalive: 120,
          }),
        ),
      )),
    );
  }
  console.log(`connected ${clients.length} devices in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rssConnected = rssMb(edgePid);

  let running = true;
  let acknowledged = 0;
  const loops = clients.map(async (client, index) => {
    const device = fleet.devices[index];
    if (device === undefined) return;
    const topic = deviceStateTopic(SITE_ID, device.deviceId);
    const boot = `bench-${Date.now().toString(36)}`;
    let seq = 0;
    while (running) {
      seq += 1;
      const payload = JSON.stringify({
        v: 1,
        ts: Date.now(),
        seq,
        boot,
        kind: "desk",
        occupied: seq % 2 === 0,
        battery: 90,
      });
      await client.publishAsync(topic, payload, { qos: 1 });
      acknowledged += 1;
    }
  });

  const db = new Database(edgeDatabasePath(dataDir), { readonly: true });
  const countRows = (): number => db.prepare("SELECT count(*) FROM readings").pluck().get() as number;
  await sleep(WARMUP_MS);
  const t0 = Date.now();
  const received0 = await subscriberCount();
  const rows0 = countRows();
  await sleep(MEASURE_MS);
  const seconds = (Date.now() - t0) / 1000;
  const baselineRate = ((await subscriberCount()) - received0) / seconds;
  const committedRate = (countRows() - rows0) / seconds;
  running = false;
  await Promise.race([Promise.all(loops), sleep(5_000)]);
  clearInterval(rssTimer);

  const results = {
    devices: clients.length,
    measuredSeconds: Number(seconds.toFixed(2)),
    baselineSubscriberRate: Math.round(baselineRate),
    committedRate: Math.round(committedRate),
    // null when the baseline subscriber received nothing: the ratio is then not measured
    ratio: baselineRate > 0 ? Number((committedRate / baselineRate).toFixed(3)) : null,
    acknowledgedReadings: acknowledged,
    edgeRssMbConnected: Number(rssConnected.toFixed(1)),
    edgePeakRssMb: Number(peakRss.toFixed(1)),
  };
  const pass = results.ratio !== null && results.ratio >= TARGET_RATIO && results.edgePeakRssMb < TARGET_RSS_MB;
  console.log(
    `bare subscriber: ${results.baselineSubscriberRate} msg/s, edge committed: ${results.committedRate} readings/s, ` +
      `ratio ${results.ratio} (target >= ${TARGET_RATIO}); edge peak RSS ${results.edgePeakRssMb} MB at ` +
      `${results.devices} devices (target < ${TARGET_RSS_MB} MB)`,
  );
  mkdirSync(join(root, "bench-results"), { recursive: true });
  writeFileSync(
    join(root, "bench-results", "edge-ingest.json"),
    JSON.stringify(
      {
        name: "edge-ingest",
        results,
        targets: { ratio: `>= ${TARGET_RATIO}`, edgePeakRssMb: `< ${TARGET_RSS_MB}` },
        pass,
      },
      null,
      2,
    ),
  );

  db.close();
  await Promise.all(clients.map((client) => client.endAsync(true)));
  subscriber.kill("SIGTERM");
  const exited = new Promise((done) => edge.once("exit", done));
  edge.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  rmSync(dataDir, { recursive: true, force: true });
}

/** Child mode: a bare MQTT subscriber that counts what it receives and reports the count over IPC. */
async function subscribe(url: string, username: string, password: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: "bench-subscriber", username, password, reconnectPeriod: 0 });
  let received = 0;
  client.on("message", () => (received += 1));
  await client.subscribeAsync(`desksharing/v1/${SITE_ID}/devices/+/state`, { qos: 0 });
  process.on("message", () => process.send?.(received));
  process.send?.("ready");
}

const [mode, url, username, password] = process.argv.slice(2);
if (mode === "--subscriber" && url !== undefined && username !== undefined && password !== undefined) {
  await subscribe(url, username, password);
} else {
  await main();
}
