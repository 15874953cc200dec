/**
 * Edge ingest benchmark: 5,000 desk sensors publish QoS 1 readings as fast as the broker takes them (one reading
 * in flight per device, so a device never offers more than the broker acknowledges). Both deployments, each in
 * phases with the same publishers; phases 1 and 2 alternate ROUNDS times and the ratio is of the mean rates:
 *
 * - Mosquitto (127.0.0.1:1883): phase 1 a bare QoS 1 subscriber counts what it receives; phase 2 the edge in
 *   external-broker mode (`DESK_EDGE_MQTT_URL`) commits. The two phases run apart because on two cores they would
 *   compete for the same CPU.
 * - Embedded broker: phase 1 a bare QoS 1 subscriber on a plain aedes with the edge's broker options; phase 2 the
 *   edge with its embedded broker and nothing else subscribed (as the edge is Mosquitto's only extra subscriber in
 *   its phase 2), which decides the ratio and the memory target; phase 3 the same edge with its read-only observer
 *   login subscribed as well (the observer only sees what the edge has committed, so its ratio checks delivery, not
 *   capacity; its memory is reported, not judged: a subscriber taking every reading is extra load).
 *
 * Each device keeps one boot for its whole MQTT session and announces it with a retained `online` status, as a
 * real device does on connect: behind Mosquitto the edge cannot see who published, so it takes a boot it has not
 * seen only from that announcement.
 *
 * Prints rates, ratios (edge committed / bare subscriber, target ≥ 0.8) and the edge's resident set (target
 * < 200 MB at 5,000 devices) and writes bench-results/edge-ingest.json.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { credentialPaths, edgeDatabasePath, provisionSite } from "@desksharing/edge";
import type { ObserverCredentials } from "@desksharing/edge";
import { generateFloorPlan } from "@desksharing/floorplans";
import type { FleetCredentials } from "@desksharing/protocol";
import { deviceStateTopic, deviceStatusTopic } from "@desksharing/protocol";
import { Aedes } from "aedes";
import Database from "better-sqlite3";
import type { MqttClient } from "mqtt";
import mqtt from "mqtt";
import { startEdgeProcess, type EdgeProcess } from "../support/processes.js";
import { ratio, round } from "../support/stats.js";

const DESKS = 5_000;
const WARMUP_MS = 3_000;
const MEASURE_MS = 8_000;
/** Baseline and edge phases alternate this many times; the ratio is of the mean rates (the machine drifts). */
const ROUNDS = 2;
const CONNECT_CONCURRENCY = 100;
const TARGET_RATIO = 0.8;
const TARGET_RSS_MB = 200;
const MOSQUITTO_URL = process.env.DESK_BENCH_MOSQUITTO_URL ?? "mqtt://127.0.0.1:1883";
/** Unique per run: the Mosquitto is shared with other tests. */
const SITE_ID = `bench-${Date.now().toString(36)}`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
type Device = FleetCredentials["devices"][number];

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's resident set every 100 ms and keeps the peak. */
class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.now(), 100);
  }
  now(): number {
    const rss = rssMb(this.pid);
    this.peak = Math.max(this.peak, rss);
    return rss;
  }
  stop(): number {
    clearInterval(this.timer);
    this.now();
    return round(this.peak, 1);
  }
}

/** This script in one of its child modes, talking over IPC. */
class Child {
  private constructor(private readonly process: ChildProcess) {}

  static async start(args: string[]): Promise<{ child: Child; ready: string }> {
    const process_ = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const child = new Child(process_);
    const ready = await new Promise<string>((answer, fail) => {
      process_.once("message", (message) => answer(message as string));
      process_.once("exit", (code) => fail(new Error(`${args[0]} exited with ${code}`)));
    });
    return { child, ready };
  }

  ask(question: string): Promise<string> {
    return new Promise((answer) => {
      this.process.once("message", (message) => answer(message as string));
      this.process.send(question);
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((done) => this.process.once("exit", done));
    this.process.kill("SIGTERM");
    await exited;
  }
}

async function bareSubscriber(url: string, topic: string, login?: ObserverCredentials): Promise<Child> {
  const args = ["--subscriber", url, topic, ...(login ? [login.username, login.password] : [])];
  return (await Child.start(args)).child;
}

interface Session {
  client: MqttClient;
  deviceId: string;
  topic: string;
  boot: string;
  seq: number;
}

/** The devices' MQTT sessions; each keeps one QoS 1 reading in flight while running. */
class Publishers {
  published = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  private constructor(private readonly sessions: Session[]) {}

  static async connect(
    url: string,
    devices: readonly Device[],
    login: (device: Device) => { clientId: string; username?: string; password?: string },
  ): Promise<{ publishers: Publishers; seconds: number }> {
    const started = Date.now();
    const boot = `bench-${started.toString(36)}`;
    const sessions: Session[] = [];
    for (let i = 0; i < devices.length; i += CONNECT_CONCURRENCY) {
      const batch = devices.slice(i, i + CONNECT_CONCURRENCY);
      const connected = await Promise.all(
        batch.map(async (device) => {
          const client = await mqtt.connectAsync(url, { ...login(device), reconnectPeriod: 0, keepalive: 120 });
          const status = JSON.stringify({ state: "online", boot, fw: "bench", ts: Date.now() });
          await client.publishAsync(deviceStatusTopic(SITE_ID, device.deviceId), status, { qos: 1, retain: true });
          return { client, deviceId: device.deviceId, topic: deviceStateTopic(SITE_ID, device.deviceId), boot, seq: 0 };
        }),
      );
      sessions.push(...connected);
    }
    return { publishers: new Publishers(sessions), seconds: round((Date.now() - started) / 1000, 1) };
  }

  get size(): number {
    return this.sessions.length;
  }

  start(): void {
    this.running = true;
    this.loops = this.sessions.map(async (session) => {
      while (this.running) {
        session.seq += 1;
        const { seq, boot } = session;
        const payload = JSON.stringify({ v: 1, ts: Date.now(), seq, boot, kind: "desk", occupied: seq % 2 === 0 });
        await session.client.publishAsync(session.topic, payload, { qos: 1 });
        this.published += 1;
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.race([Promise.allSettled(this.loops), sleep(5_000)]);
  }

  /** Ends the sessions and clears their retained status, so the shared broker keeps nothing of the run. */
  async close(): Promise<void> {
    await Promise.all(
      this.sessions.map(async ({ client, deviceId }) => {
        await client.publishAsync(deviceStatusTopic(SITE_ID, deviceId), "", { qos: 1, retain: true });
        await client.endAsync(true);
      }),
    );
  }
}

/** Runs the publishers through a warm-up and a measured window; returns each counter's rate per second. */
async function measure<K extends string>(
  publishers: Publishers,
  counters: Record<K, () => number | Promise<number>>,
): Promise<Record<K | "published", number>> {
  const all: Record<string, () => number | Promise<number>> = { ...counters, published: () => publishers.published };
  const read = async (): Promise<Record<string, number>> =>
    Object.fromEntries(await Promise.all(Object.entries(all).map(async ([k, f]) => [k, await f()] as const)));
  publishers.start();
  await sleep(WARMUP_MS);
  const t0 = Date.now();
  const first = await read();
  await sleep(MEASURE_MS);
  const last = await read();
  const seconds = (Date.now() - t0) / 1000;
  await publishers.stop();
  return Object.fromEntries(
    Object.keys(all).map((k) => [k, Math.round(((last[k] ?? 0) - (first[k] ?? 0)) / seconds)]),
  ) as Record<K | "published", number>;
}

async function provision(): Promise<{ dataDir: string; planFile: string; fleet: FleetCredentials }> {
  const dataDir = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const plan = generateFloorPlan({ desks: DESKS, siteId: SITE_ID, floorId: "f1", seed: 1, roomsPer100Desks: 0 });
  const planFile = join(dataDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const { fleet } = await provisionSite({ dataDir, siteId: SITE_ID, plans: [plan] });
  return { dataDir, planFile, fleet };
}

function committedCounter(dataDir: string): { count: () => number; close: () => void } {
  const db = new Database(edgeDatabasePath(dataDir), { readonly: true });
  const statement = db.prepare("SELECT count(*) FROM readings").pluck();
  return { count: () => statement.get() as number, close: () => db.close() };
}

/** Mean of each counter over the rounds. */
function mean<K extends string>(rounds: readonly Record<K, number>[]): Record<K, number> {
  const keys = Object.keys(rounds[0] ?? {}) as K[];
  return Object.fromEntries(
    keys.map((k) => [k, Math.round(rounds.reduce((sum, r) => sum + r[k], 0) / rounds.length)]),
  ) as Record<K, number>;
}

async function mosquittoMode() {
  const { dataDir, planFile, fleet } = await provision();
  const topic = `desksharing/v1/${SITE_ID}/devices/+/state`;
  // client ids carry the run's site: the broker is shared, and Mosquitto does not check them against topics
  const { publishers, seconds: connectSeconds } = await Publishers.connect(MOSQUITTO_URL, fleet.devices, (d) => ({
    clientId: `${SITE_ID}-${d.deviceId}`,
  }));
  console.log(`mosquitto: ${publishers.size} devices connected in ${connectSeconds} s`);

  const bareRounds: Record<"received" | "published", number>[] = [];
  const edgeRounds: Record<"committed" | "published", number>[] = [];
  let idleRss = 0;
  let peakRss = 0;
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    const subscriber = await bareSubscriber(MOSQUITTO_URL, topic);
    const bare = await measure(publishers, { received: async () => Number(await subscriber.ask("count")) });
    await subscriber.stop();
    bareRounds.push(bare);
    console.log(
      `mosquitto ${round_}/${ROUNDS}: bare subscriber ${bare.received} msg/s (publishers ${bare.published}/s)`,
    );

    const edge = await startEdgeProcess({
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: SITE_ID,
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_MQTT_URL: MOSQUITTO_URL,
    });
    const rss = new RssSampler(edge.pid);
    idleRss = Math.max(idleRss, round(rss.now(), 1));
    const committed = committedCounter(dataDir);
    const withEdge = await measure(publishers, { committed: committed.count });
    peakRss = Math.max(peakRss, rss.stop());
    committed.close();
    await edge.stop();
    edgeRounds.push(withEdge);
    console.log(
      `mosquitto ${round_}/${ROUNDS}: edge committed ${withEdge.committed} readings/s (publishers ${withEdge.published}/s)`,
    );
  }
  await publishers.close();
  // the edge's persistent session (and whatever Mosquitto still queues for it) goes with a clean connect
  const session = await mqtt.connectAsync(MOSQUITTO_URL, { clientId: `desk-edge-${SITE_ID}`, clean: true });
  await session.endAsync();
  rmSync(dataDir, { recursive: true, force: true });
  const bare = mean(bareRounds);
  const withEdge = mean(edgeRounds);
  return {
    rounds: ROUNDS,
    bareSubscriberRate: bare.received,
    publishedRateBare: bare.published,
    committedRate: withEdge.committed,
    publishedRateEdge: withEdge.published,
    ratio: ratio(withEdge.committed, bare.received),
    perRound: bareRounds.map((b, i) => ({ bare: b.received, edge: edgeRounds[i]?.committed ?? 0 })),
    edgeRssIdleMb: idleRss,
    edgePeakRssMb: peakRss,
  };
}

async function embeddedMode() {
  const { dataDir, planFile, fleet } = await provision();
  const topic = `desksharing/v1/${SITE_ID}/devices/+/state`;
  const deviceLogin = (d: Device) => ({ clientId: d.deviceId, username: d.deviceId, password: d.password });

  const bareRounds: Record<"received" | "published", number>[] = [];
  const edgeRounds: Record<"committed" | "published", number>[] = [];
  let connectSeconds = 0;
  let idleRss = 0;
  let connectedRss = 0;
  let peakRss = 0;
  let edge: EdgeProcess | null = null;
  let publishers: Publishers | null = null;
  for (let round_ = 1; round_ <= ROUNDS; round_++) {
    const { child: broker, ready: brokerUrl } = await Child.start(["--aedes"]);
    const { publishers: plain } = await Publishers.connect(brokerUrl, fleet.devices, (d) => ({ clientId: d.deviceId }));
    const subscriber = await bareSubscriber(brokerUrl, topic);
    const bare = await measure(plain, { received: async () => Number(await subscriber.ask("count")) });
    await subscriber.stop();
    await plain.close();
    await broker.stop();
    bareRounds.push(bare);
    console.log(
      `embedded ${round_}/${ROUNDS}: bare subscriber on plain aedes ${bare.received} msg/s (publishers ${bare.published}/s)`,
    );

    edge = await startEdgeProcess({
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: SITE_ID,
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_MQTT_PORT: "0",
    });
    const rss = new RssSampler(edge.pid);
    idleRss = Math.max(idleRss, round(rss.now(), 1));
    const connected = await Publishers.connect(edge.mqttUrl, fleet.devices, deviceLogin);
    publishers = connected.publishers;
    connectSeconds = Math.max(connectSeconds, connected.seconds);
    connectedRss = Math.max(connectedRss, round(rss.now(), 1));
    const committed = committedCounter(dataDir);
    const withEdge = await measure(publishers, { committed: committed.count });
    committed.close();
    peakRss = Math.max(peakRss, rss.stop());
    edgeRounds.push(withEdge);
    console.log(
      `embedded ${round_}/${ROUNDS}: edge committed ${withEdge.committed} readings/s (publishers ${withEdge.published}/s)`,
    );
    if (round_ < ROUNDS) {
      await publishers.close();
      await edge.stop();
    }
  }

  const observerLogin = JSON.parse(readFileSync(credentialPaths(dataDir).observer, "utf8")) as ObserverCredentials;
  const observer = await bareSubscriber(edge!.mqttUrl, topic, observerLogin);
  const observerRss = new RssSampler(edge!.pid);
  const committed = committedCounter(dataDir);
  const withObserver = await measure(publishers!, {
    committed: committed.count,
    observed: async () => Number(await observer.ask("count")),
  });
  const observerPeakRss = observerRss.stop();
  committed.close();
  await observer.stop();
  await publishers!.close();
  await edge!.stop();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `embedded, observer subscribed: edge committed ${withObserver.committed} readings/s, observer ` +
      `${withObserver.observed} msg/s (publishers ${withObserver.published}/s)`,
  );
  const bare = mean(bareRounds);
  const withEdge = mean(edgeRounds);
  return {
    rounds: ROUNDS,
    bareSubscriberRate: bare.received,
    publishedRateBare: bare.published,
    committedRate: withEdge.committed,
    publishedRateEdge: withEdge.published,
    ratio: ratio(withEdge.committed, bare.received),
    perRound: bareRounds.map((b, i) => ({ bare: b.received, edge: edgeRounds[i]?.committed ?? 0 })),
    connectSeconds,
    edgeRssIdleMb: idleRss,
    edgeRssConnectedMb: connectedRss,
    edgePeakRssMb: peakRss,
    withObserver: {
      committedRate: withObserver.committed,
      observerRate: withObserver.observed,
      observerRatio: ratio(withObserver.committed, withObserver.observed),
      edgePeakRssMb: observerPeakRss,
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  // one deployment only (DESK_BENCH_MODE=mosquitto|embedded) for a quicker look while working on the edge
  const only = process.env.DESK_BENCH_MODE;
  const mosquitto = only === "embedded" ? null : await mosquittoMode();
  const embedded = only === "mosquitto" ? null : await embeddedMode();
  const results = { devices: DESKS, measuredSeconds: MEASURE_MS / 1000, mosquitto, embedded };
  const meets = (mode: { ratio: number | null; edgePeakRssMb: number } | null): boolean =>
    mode !== null && mode.ratio !== null && mode.ratio >= TARGET_RATIO && mode.edgePeakRssMb < TARGET_RSS_MB;
  const pass = meets(mosquitto) && meets(embedded);
  const line = (name: string, mode: NonNullable<typeof mosquitto>) =>
    `${name.padEnd(10)} bare subscriber ${mode.bareSubscriberRate} msg/s, edge committed ${mode.committedRate} ` +
    `readings/s, ratio ${mode.ratio} (target >= ${TARGET_RATIO}); edge RSS idle ${mode.edgeRssIdleMb} MB, ` +
    `peak ${mode.edgePeakRssMb} MB (target < ${TARGET_RSS_MB} MB)`;
  console.log(`\nedge ingest at ${DESKS} devices (${round((Date.now() - started) / 1000)} s):`);
  if (mosquitto !== null) console.log(line("mosquitto", mosquitto));
  if (embedded !== null) {
    const { withObserver } = embedded;
    console.log(line("embedded", embedded));
    console.log(
      `${"".padEnd(10)} + observer: edge committed ${withObserver.committedRate} readings/s, observer ` +
        `${withObserver.observerRate} msg/s (ratio ${withObserver.observerRatio}), edge RSS peak ` +
        `${withObserver.edgePeakRssMb} MB (not judged)`,
    );
  }
  console.log(pass ? "targets met" : "targets MISSED");
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
}

/** Child mode: a bare QoS 1 subscriber (like the edge) that reports how many messages it received. */
async function subscribe(url: string, topic: string, username?: string, password?: string): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-subscriber-${process.pid}`,
    reconnectPeriod: 0,
    ...(username === undefined ? {} : { username, password }),
  });
  let received = 0;
  client.on("message", () => (received += 1));
  await client.subscribeAsync(topic, { qos: 1 });
  process.on("message", () => process.send?.(String(received)));
  process.on("SIGTERM", () => void client.endAsync(true).then(() => process.exit(0)));
  process.send?.("ready");
}

/** Child mode: aedes with the options of the edge's embedded broker and no hooks. */
async function plainBroker(): Promise<void> {
  const broker = await Aedes.createBroker({ drainTimeout: 10_000, connectTimeout: 10_000, concurrency: 0 });
  const server = createServer(broker.handle);
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  process.on("SIGTERM", () => broker.close(() => server.close(() => process.exit(0))));
  process.send?.(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

const [mode, ...args] = process.argv.slice(2);
// a child ends with the benchmark, also when the benchmark fails
process.on("disconnect", () => process.exit(0));
if (mode === "--subscriber" && args[0] !== undefined && args[1] !== undefined) {
  await subscribe(args[0], args[1], args[2], args[3]);
} else if (mode === "--aedes") {
  await plainBroker();
} else {
  await main();
}
