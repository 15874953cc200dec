/**
 * Edge → cloud link benchmark, with real processes: the edge with its product command (embedded broker), the cloud
 * from its CLI entry (SQLite), the mock fleet publishing QoS 1 readings from this process.
 *
 * (i) Replay after an outage: the fleet runs at a steady live rate (a site's normal traffic); the cloud is stopped;
 *     the edge's ingest is measured (readings committed/s and outbox events appended/s: the live rate); the outbox
 *     is then filled to BACKLOG events quickly (a faster fleet stands in for a long outage at the live rate: the
 *     outbox's content is the same); the cloud is started while the live traffic goes on, and the back-fill is
 *     measured from the link coming up until every event of the backlog is acknowledged. Ratio = replayed events/s
 *     ÷ live events/s (target ≥ 10). Run once with the product's default back-fill throttle
 *     (DESK_EDGE_UPLINK_HISTORY_PER_SECOND unset: 5,000/s), which decides the pass, and once with the throttle
 *     raised to RAISED_THROTTLE so the link and the cloud are the limit (the capacity behind the throttle).
 * (ii) Latency while the link is up: a desk sensor flips its desk's presence; the time from its publish to the
 *     `occupancy:changed` naming that desk with the new status on the cloud's `/live` (signed in as the seeded
 *     admin), with the rest of the fleet at the live rate. p50/p99 (target p99 < 250 ms).
 *
 * Writes bench-results/edge-cloud-link.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { edgeDatabasePath } from "@desksharing/edge";
import type { Fleet, MockDevice } from "@desksharing/firmware-mocks";
import { startFleet } from "@desksharing/firmware-mocks";
import { generateFloorPlan } from "@desksharing/floorplans";
import {
  LIVE_NAMESPACE,
  PROTOCOL_VERSION,
  type Ack,
  type FleetCredentials,
  type LiveOccupancyClientToServerEvents,
  type LiveOccupancyServerToClientEvents,
  type LiveSubscribeResult,
  type OccupancyChanged,
} from "@desksharing/protocol";
import Database from "better-sqlite3";
import { pino } from "pino";
import { io, type Socket } from "socket.io-client";

import { steadyLoad, type FleetLoad } from "../support/fleet-load.js";
import { enrolGateway, signInAdmin, type CloudAdmin } from "../support/link.js";
import {
  freePort,
  ROOT,
  sleep,
  startCloudProcess,
  startEdgeProcess,
  waitFor,
  type CloudProcess,
  type EdgeProcess,
} from "../support/processes.js";
import { percentile, round } from "../support/stats.js";

const DESKS = 300;
/** Readings per second of the whole site in normal operation. */
const LIVE_RATE = 300;
/** Readings per second while the backlog is built (stands in for a longer outage at LIVE_RATE). */
const FILL_RATE = 3_000;
const BACKLOG = 100_000;
const LIVE_MEASURE_MS = 10_000;
const RAISED_THROTTLE = 100_000;
const LATENCY_SAMPLES = 200;
const TARGET_RATIO = 10;
const TARGET_P99_MS = 250;

/** The edge's database, read-only: readings committed, outbox rows appended, rows still waiting. */
class EdgeCounter {
  private readonly db: Database.Database;
  private readonly s;
  constructor(dataDir: string) {
    this.db = new Database(edgeDatabasePath(dataDir), { readonly: true, fileMustExist: true });
    this.s = {
      readings: this.db.prepare("SELECT count(*) FROM readings").pluck(),
      appended: this.db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)").pluck(),
      depth: this.db.prepare("SELECT count(*) FROM outbox").pluck(),
      upTo: this.db.prepare("SELECT count(*) FROM outbox WHERE id <= ?").pluck(),
    };
  }
  readings = (): number => this.s.readings.get() as number;
  appended = (): number => this.s.appended.get() as number;
  depth = (): number => this.s.depth.get() as number;
  /** Rows with an id up to `id` still in the outbox. */
  waitingUpTo = (id: number): number => this.s.upTo.get(id) as number;
  close(): void {
    this.db.close();
  }
}

interface Bench {
  work: string;
  cloudDir: string;
  cloudPort: number;
  cloud: CloudProcess | null;
  edgeEnv: NodeJS.ProcessEnv;
  edge: EdgeProcess | null;
  fleet: Fleet | null;
}

async function startCloud(bench: Bench): Promise<CloudProcess> {
  bench.cloud = await startCloudProcess({ dataDir: bench.cloudDir, port: bench.cloudPort });
  return bench.cloud;
}

async function linkState(edge: EdgeProcess): Promise<string> {
  return (await edge.health()).cloud.link.state;
}

/** The live rate: readings committed and outbox events appended per second at LIVE_RATE (cloud down). */
async function measureLive(counter: EdgeCounter): Promise<{ readingsPerSecond: number; eventsPerSecond: number }> {
  const r0 = counter.readings();
  const e0 = counter.appended();
  const t0 = Date.now();
  await sleep(LIVE_MEASURE_MS);
  const seconds = (Date.now() - t0) / 1000;
  return {
    readingsPerSecond: round((counter.readings() - r0) / seconds),
    eventsPerSecond: round((counter.appended() - e0) / seconds),
  };
}

/**
 * With the cloud down and the live load running: fills the outbox to BACKLOG events, starts the cloud, and times
 * the back-fill from the link coming up until every row of the backlog is acknowledged.
 */
async function replay(
  bench: Bench,
  load: FleetLoad,
  counter: EdgeCounter,
  historyPerSecond: number | null,
): Promise<{ historyPerSecond: number | null; backlogEvents: number; seconds: number; eventsPerSecond: number }> {
  const edge = bench.edge!;
  if (bench.cloud !== null) {
    await bench.cloud.stop();
    bench.cloud = null;
  }
  await waitFor(async () => (await linkState(edge)) !== "connected", "the edge to see the cloud go", 30_000);
  load.setRate(FILL_RATE);
  await waitFor(() => counter.depth() >= BACKLOG, `${BACKLOG} events in the outbox`, 300_000, 200);
  load.setRate(LIVE_RATE);
  const boundary = counter.appended();
  const backlogEvents = counter.waitingUpTo(boundary);
  console.log(
    `outbox holds ${counter.depth()} events; starting the cloud (back-fill ${historyPerSecond ?? "default"}/s)`,
  );
  await startCloud(bench);
  const up = await waitFor(
    async () => ((await linkState(edge)) === "connected" ? Date.now() : undefined),
    "the link to come up",
    60_000,
    20,
  );
  const done = await waitFor(
    () => (counter.waitingUpTo(boundary) === 0 ? Date.now() : undefined),
    "the backlog to drain",
    300_000,
    50,
  );
  const seconds = (done - up) / 1000;
  return {
    historyPerSecond,
    backlogEvents,
    seconds: round(seconds, 2),
    eventsPerSecond: round(backlogEvents / seconds),
  };
}

type LiveSocket = Socket<LiveOccupancyServerToClientEvents, LiveOccupancyClientToServerEvents>;

/** Publish → `occupancy:changed` on /live for one desk, with the rest of the fleet at the live rate. */
async function latency(bench: Bench, probe: MockDevice, deskId: string): Promise<number[]> {
  const cloud = bench.cloud!;
  const admin = await signInAdmin(cloud, bench.cloudDir);
  const socket: LiveSocket = io(`${cloud.url}${LIVE_NAMESPACE}`, {
    auth: { token: admin.token, protocolVersion: PROTOCOL_VERSION },
    ca: cloud.ca,
    transports: ["websocket"],
    forceNew: true,
  });
  await new Promise<void>((ready, fail) => {
    socket.once("connect", () => ready());
    socket.once("connect_error", fail);
  });
  const subscribed = (await socket
    .timeout(10_000)
    .emitWithAck("live:subscribe", { siteId: "hq" })) as Ack<LiveSubscribeResult>;
  if (!subscribed.ok) throw new Error(`live:subscribe refused: ${subscribed.error.code}`);
  let waiting: { status: string; resolve: (at: number) => void } | null = null;
  socket.on("occupancy:changed", (change: OccupancyChanged) => {
    const at = performance.now();
    const desk = change.desks.find((candidate) => candidate.deskId === deskId);
    if (waiting !== null && desk?.status === waiting.status) {
      waiting.resolve(at);
      waiting = null;
    }
  });
  const samples: number[] = [];
  let occupied = false;
  // a few rounds to warm up (first connections, JIT), not measured
  for (let i = -5; i < LATENCY_SAMPLES; i++) {
    occupied = !occupied;
    const status = occupied ? "occupied" : "pending-free";
    const arrived = new Promise<number>((resolve) => (waiting = { status, resolve }));
    const sent = performance.now();
    await probe.publishReading({ occupied });
    const at = await Promise.race([arrived, sleep(5_000).then(() => Number.NaN)]);
    if (Number.isNaN(at)) throw new Error(`no occupancy:changed for ${deskId} → ${status} within 5 s`);
    if (i >= 0) samples.push(at - sent);
    // off the beat of the edge's 100 ms linger and of the fleet's pace
    await sleep(80 + Math.random() * 70);
  }
  socket.disconnect();
  return samples;
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "edge-cloud-link-bench-"));
  const bench: Bench = {
    work,
    cloudDir: join(work, "cloud"),
    cloudPort: await freePort(),
    cloud: null,
    edgeEnv: {},
    edge: null,
    fleet: null,
  };
  let load: FleetLoad | null = null;
  let counter: EdgeCounter | null = null;
  try {
    const cloud = await startCloud(bench);
    const admin: CloudAdmin = await signInAdmin(cloud, bench.cloudDir);
    const edgeDir = join(work, "edge");
    mkdirSync(edgeDir);
    const planFile = join(edgeDir, "plan.json");
    writeFileSync(planFile, JSON.stringify(generateFloorPlan({ desks: DESKS, siteId: "hq", floorId: "f1" })));
    bench.edgeEnv = {
      DATA_DIR: edgeDir,
      DESK_EDGE_SITE_ID: "hq",
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_MQTT_PORT: String(await freePort()),
      DESK_EDGE_CLOUD_URL: cloud.url,
      DESK_EDGE_CLOUD_TOKEN_FILE: await enrolGateway(admin, "bench", join(work, "gateway-credential")),
      DESK_EDGE_CLOUD_CA_FILE: cloud.caFile,
    };
    const edge = (bench.edge = await startEdgeProcess(bench.edgeEnv));
    await waitFor(async () => (await linkState(edge)) === "connected", "the link", 30_000);
    // written by the edge's provisioning at its first start
    const credentials = JSON.parse(readFileSync(join(edgeDir, "fleet-credentials.json"), "utf8")) as FleetCredentials;
    const fleet = (bench.fleet = await startFleet({
      brokerUrl: edge.mqttUrl,
      credentials,
      simulate: false,
      logger: pino({ level: "silent" }),
      reconnectDelayMs: { min: 100, max: 500 },
    }));
    counter = new EdgeCounter(edgeDir);
    const probe = [...fleet.devices.values()].find((device) => device.profile !== "room-counter")!;
    const probeDesk = credentials.devices.find((device) => device.deviceId === probe.deviceId)!.targetId;
    const others = new Map([...fleet.devices].filter(([id]) => id !== probe.deviceId));
    load = steadyLoad({ devices: others }, LIVE_RATE);
    console.log(`${fleet.devices.size} devices at ${LIVE_RATE} readings/s; cloud at ${cloud.url}`);

    // (i) replay: the live rate first (the cloud down, so every event stays in the outbox)
    await bench.cloud!.stop();
    bench.cloud = null;
    await waitFor(async () => (await linkState(edge)) !== "connected", "the edge to see the cloud go", 30_000);
    const live = await measureLive(counter);
    console.log(`live: ${live.readingsPerSecond} readings/s committed, ${live.eventsPerSecond} outbox events/s`);
    const byDefault = await replay(bench, load, counter, null);
    console.log(`replay (default throttle): ${JSON.stringify(byDefault)}`);

    // the same with the back-fill throttle raised: the edge restarted with DESK_EDGE_UPLINK_HISTORY_PER_SECOND
    counter.close();
    await bench.edge.stop();
    bench.edgeEnv.DESK_EDGE_UPLINK_HISTORY_PER_SECOND = String(RAISED_THROTTLE);
    const raisedEdge = (bench.edge = await startEdgeProcess(bench.edgeEnv));
    counter = new EdgeCounter(edgeDir);
    await waitFor(async () => (await linkState(raisedEdge)) === "connected", "the link", 30_000);
    await waitFor(() => fleet.stats().connected === fleet.devices.size, "the devices to reconnect", 30_000);
    const raised = await replay(bench, load, counter, RAISED_THROTTLE);
    console.log(`replay (throttle ${RAISED_THROTTLE}/s): ${JSON.stringify(raised)}`);

    // (ii) latency with the link up and the live load running
    await waitFor(() => counter!.depth() < 1_000, "the outbox to be empty", 60_000);
    const samples = (await latency(bench, probe, probeDesk)).sort((a, b) => a - b);
    const lat = {
      samples: samples.length,
      p50Ms: round(percentile(samples, 50), 1),
      p90Ms: round(percentile(samples, 90), 1),
      p99Ms: round(percentile(samples, 99), 1),
      maxMs: round(samples.at(-1) ?? Number.NaN, 1),
    };
    await load.stop();
    load = null;

    const ratio = (eventsPerSecond: number): number => round(eventsPerSecond / live.eventsPerSecond, 1);
    const results = {
      devices: fleet.devices.size,
      liveReadingsPerSecond: live.readingsPerSecond,
      liveEventsPerSecond: live.eventsPerSecond,
      fillReadingsPerSecond: FILL_RATE,
      replayDefaultThrottle: {
        ...byDefault,
        historyPerSecond: "default (5000)",
        ratio: ratio(byDefault.eventsPerSecond),
      },
      replayRaisedThrottle: { ...raised, ratio: ratio(raised.eventsPerSecond) },
      liveLatency: lat,
    };
    const pass = results.replayDefaultThrottle.ratio >= TARGET_RATIO && lat.p99Ms < TARGET_P99_MS;
    console.log(`\nedge → cloud link (${round((Date.now() - started) / 1000)} s):`);
    console.log(
      `live ingest ${live.readingsPerSecond} readings/s = ${live.eventsPerSecond} outbox events/s (fleet ${LIVE_RATE}/s)`,
    );
    console.log(
      `replay of ${byDefault.backlogEvents} events, default throttle: ${byDefault.eventsPerSecond} events/s in ` +
        `${byDefault.seconds} s = ${results.replayDefaultThrottle.ratio}× live (target >= ${TARGET_RATIO}×)`,
    );
    console.log(
      `replay of ${raised.backlogEvents} events, throttle ${RAISED_THROTTLE}/s: ${raised.eventsPerSecond} events/s in ` +
        `${raised.seconds} s = ${results.replayRaisedThrottle.ratio}× live`,
    );
    console.log(
      `sensor → cloud /live: p50 ${lat.p50Ms} ms, p90 ${lat.p90Ms} ms, p99 ${lat.p99Ms} ms, max ${lat.maxMs} ms ` +
        `over ${lat.samples} changes (target p99 < ${TARGET_P99_MS} ms)`,
    );
    console.log(pass ? "targets met" : "targets MISSED");
    mkdirSync(join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(
      join(ROOT, "bench-results", "edge-cloud-link.json"),
      JSON.stringify(
        {
          name: "edge-cloud-link",
          results,
          targets: { replayRatio: `>= ${TARGET_RATIO} (default throttle)`, liveLatencyP99Ms: `< ${TARGET_P99_MS}` },
          pass,
        },
        null,
        2,
      ),
    );
  } finally {
    await load?.stop(1_000);
    counter?.close();
    await bench.fleet?.stop();
    await bench.edge?.stop();
    await bench.cloud?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
