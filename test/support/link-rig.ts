/**
 * The setting of an edge ↔ cloud test file: one cloud process (its CLI entry, SQLite) in a work directory of
 * its own, edges started as child processes with their product command, mock fleets publishing QoS 1 readings from
 * the test process, all on one accelerated clock (edge, cloud and fleet share the anchor, so readings carry virtual
 * times the cloud accepts). What a test starts is stopped after it by `cleanup()`, whatever happened.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Fleet } from "@desksharing/firmware-mocks";
import { startFleet } from "@desksharing/firmware-mocks";
import { generateFloorPlan } from "@desksharing/floorplans";
import { formatClockAnchor, type ClockAnchor, type FleetCredentials } from "@desksharing/protocol";
import { pino } from "pino";
import { expect } from "vitest";

import { steadyLoad, type FleetLoad } from "./fleet-load.js";
import { drained, enrolGateway, exactlyOnce, signInAdmin, type CloudAdmin, type ExactlyOnce } from "./link.js";
import {
  freePort,
  startCloudProcess,
  startEdgeProcess,
  waitFor,
  type CloudProcess,
  type EdgeProcess,
} from "./processes.js";

export interface Site {
  name: string;
  dataDir: string;
  mqttPort: number;
  env: NodeJS.ProcessEnv;
  edge: EdgeProcess;
  /** Restarts the edge (same data directory, same ports). */
  restart(): Promise<EdgeProcess>;
}

const quiet = pino({ level: "silent" });

export class LinkRig {
  readonly anchor: ClockAnchor;
  readonly work: string;
  readonly cloudDir: string;
  cloudPort = 0;
  cloud!: CloudProcess;
  admin!: CloudAdmin;
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  constructor(name: string, speed: number) {
    const now = Date.now();
    this.anchor = { realMs: now, virtualMs: now, speed };
    this.work = mkdtempSync(join(tmpdir(), `${name}-`));
    this.cloudDir = join(this.work, "cloud");
  }

  /** The cloud on a port of its own, and its seeded admin signed in. */
  async start(): Promise<void> {
    this.cloudPort = await freePort();
    await this.startCloud();
    this.admin = await signInAdmin(this.cloud, this.cloudDir);
  }

  /** (Re)starts the cloud on the same port and data directory. */
  async startCloud(): Promise<void> {
    const t0 = Date.now();
    this.cloud = await startCloudProcess({
      dataDir: this.cloudDir,
      port: this.cloudPort,
      clockAnchor: formatClockAnchor(this.anchor),
    });
    console.log(`cloud started in ${Date.now() - t0} ms`);
  }

  async stop(): Promise<void> {
    await this.cloud?.stop();
    rmSync(this.work, { recursive: true, force: true });
  }

  /** Runs `step` at the next `cleanup()`. */
  defer(step: () => Promise<unknown>): void {
    this.cleanups.push(step);
  }

  /** Stops what the test started, newest first. */
  async cleanup(): Promise<void> {
    for (const step of this.cleanups.splice(0).reverse()) await step().catch(() => undefined);
  }

  /** An edge for site hq with its own data directory (own outbox instance) and gateway credential. */
  async site(
    name: string,
    options: { desks: number; cloudUrl?: string; env?: NodeJS.ProcessEnv } = { desks: 30 },
  ): Promise<Site> {
    const dataDir = join(this.work, name);
    mkdirSync(dataDir, { recursive: true });
    const planFile = join(dataDir, "plan.json");
    writeFileSync(planFile, JSON.stringify(generateFloorPlan({ desks: options.desks, siteId: "hq", floorId: "f1" })));
    const tokenFile = await enrolGateway(this.admin, `edge-${name}`, join(dataDir, "gateway-credential"));
    const mqttPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      DATA_DIR: dataDir,
      DESK_EDGE_SITE_ID: "hq",
      DESK_EDGE_PLAN_FILES: planFile,
      DESK_EDGE_MQTT_HOST: "127.0.0.1",
      DESK_EDGE_MQTT_PORT: String(mqttPort),
      DESK_EDGE_CLOCK_ANCHOR: formatClockAnchor(this.anchor),
      DESK_EDGE_CLOUD_URL: options.cloudUrl ?? this.cloud.url,
      DESK_EDGE_CLOUD_TOKEN_FILE: tokenFile,
      DESK_EDGE_CLOUD_CA_FILE: this.cloud.caFile,
      ...options.env,
    };
    const created: Site = {
      name,
      dataDir,
      mqttPort,
      env,
      edge: await startEdgeProcess(env, `edge ${name}`),
      async restart() {
        created.edge = await startEdgeProcess(env, `edge ${name}`);
        return created.edge;
      },
    };
    this.defer(() => created.edge.kill9());
    return created;
  }

  /** The devices the edge provisioned for its site at its first start. */
  fleetCredentials(s: Site): FleetCredentials {
    return JSON.parse(readFileSync(join(s.dataDir, "fleet-credentials.json"), "utf8")) as FleetCredentials;
  }

  async fleetFor(s: Site, brokerUrl = `mqtt://127.0.0.1:${s.mqttPort}`): Promise<Fleet> {
    const fleet = await startFleet({
      brokerUrl,
      credentials: this.fleetCredentials(s),
      simulate: false,
      clock: this.anchor,
      logger: quiet,
      reconnectDelayMs: { min: 100, max: 500 },
    });
    this.defer(() => fleet.stop());
    return fleet;
  }

  load(fleet: Fleet, ratePerSecond: number): FleetLoad {
    const running = steadyLoad(fleet, ratePerSecond);
    this.defer(() => running.stop(1_000));
    return running;
  }

  linkUp(s: Site): () => Promise<boolean> {
    return async () => (await s.edge.health()).cloud.link.state === "connected";
  }

  /** Waits until the edge's outbox is empty and the cloud holds every event it appended; then the counts. */
  async settle(s: Site, acked: readonly string[], timeoutMs = 60_000): Promise<ExactlyOnce> {
    await waitFor(
      () => drained(s.dataDir, this.cloud.dbFile),
      `${s.name}: the outbox to drain into the cloud`,
      timeoutMs,
      200,
    );
    const counts = exactlyOnce(acked, s.dataDir, this.cloud.dbFile);
    console.log(`${s.name}: ${JSON.stringify(counts)}`);
    return counts;
  }
}

/** Every acknowledged reading in the cloud once, every committed reading and every appended event uploaded once. */
export function expectExactlyOnce(counts: ExactlyOnce): void {
  expect(counts.lost).toBe(0);
  expect(counts.duplicates).toBe(0);
  expect(counts.notUploaded).toBe(0);
  expect(counts.readingsInCloud).toBe(counts.committedAtEdge);
  expect(counts.eventsInCloud).toBe(counts.eventsAppendedAtEdge);
  expect(counts.committedAtEdge).toBeGreaterThanOrEqual(counts.acknowledged);
}
