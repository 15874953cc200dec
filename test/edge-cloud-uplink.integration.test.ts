import { randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";

import Database from "better-sqlite3";
import { pino, type Logger } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { loadCloudConfig, startCloud, type StartedCloud } from "@desksharing/cloud";
import type { SiteOccupancy } from "@desksharing/protocol";

import {
  CloudLink,
  OutboxStore,
  type LinkState,
  type OutboxBounds,
  type OutboxEventInput,
} from "../edge/src/uplink/index.js";

const UNBOUNDED: OutboxBounds = { maxRows: 1e9, maxBytes: 1e12, maxAgeMs: 1e12 };

function api(
  url: string,
  ca: string,
  method: string,
  pathname: string,
  token?: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (json !== undefined) headers["content-type"] = "application/json";
    request(`${url}${pathname}`, { ca, headers, agent: false, method }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }));
    })
      .on("error", reject)
      .end(json === undefined ? undefined : JSON.stringify(json));
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const desk = (deskId: string, status: "free" | "occupied", at: number): OutboxEventInput => ({
  type: "desk-state",
  siteId: "hq",
  at,
  state: { deskId, floorId: "floor-1", status, since: at },
});
const room = (roomId: string, count: number, at: number): OutboxEventInput => ({
  type: "room-state",
  siteId: "hq",
  at,
  state: { roomId, floorId: "floor-1", status: count > 0 ? "occupied" : "free", count, since: at },
});
const device = (deviceId: string, at: number): OutboxEventInput => ({
  type: "device-state",
  siteId: "hq",
  at,
  deviceId,
  availability: "online",
  battery: 80,
});
const reading = (deviceId: string, seq: number, at: number): OutboxEventInput => ({
  type: "reading",
  siteId: "hq",
  at,
  deviceId,
  boot: "boot-1",
  seq,
  occupied: seq % 2 === 0,
  historical: false,
});

interface Edge {
  db: Database.Database;
  outbox: OutboxStore;
  link: CloudLink;
  acks: { events: number; backfill: number; stored: number; duplicates: number }[];
  states: LinkState[];
  logs: string[];
  append(events: OutboxEventInput[]): void;
  stored(): number;
  duplicates(): number;
}

describe("edge → cloud uplink against the real cloud", () => {
  const root = mkdtempSync(path.join(tmpdir(), "edge-cloud-"));
  const cloudDir = path.join(root, "cloud");
  let cloud: StartedCloud | null = null;
  let url = "";
  let port = 0;
  let ca = "";
  let adminToken = "";
  let siteUuid = "";
  let edges: Edge[] = [];

  async function bootCloud(): Promise<void> {
    const config = loadCloudConfig({ DATA_DIR: cloudDir, DESK_CLOUD_LOG_LEVEL: "silent" });
    cloud = await startCloud({ ...config, https: { host: "127.0.0.1", port } }, pino({ level: "silent" }));
    url = cloud.url;
    port = Number(new URL(url).port);
  }

  async function credential(name: string): Promise<{ id: string; secret: string }> {
    const created = await api(url, ca, "POST", "/api/v1/machine-credentials", adminToken, {
      siteId: siteUuid,
      kind: "gateway",
      name,
    });
    expect(created.status).toBe(201);
    const body = created.body as { credential: { id: string }; secret: string };
    return { id: body.credential.id, secret: body.secret };
  }

  async function occupancy(): Promise<SiteOccupancy> {
    const response = await api(url, ca, "GET", `/api/v1/sites/${siteUuid}/occupancy`, adminToken);
    expect(response.status).toBe(200);
    return response.body as SiteOccupancy;
  }

  /** Events of this edge the cloud holds, straight from its database (the history table). */
  function cloudEventCount(instanceId: string): number {
    const db = new Database(path.join(cloudDir, "cloud.db"), { readonly: true });
    try {
      return db
        .prepare("SELECT count(*) FROM occupancy_events WHERE event_id LIKE ?")
        .pluck()
        .get(`${instanceId}:%`) as number;
    } finally {
      db.close();
    }
  }

  function edge(
    token: string,
    options: {
      file?: string;
      bounds?: OutboxBounds;
      historyPerSecond?: number;
      lingerMs?: number;
      pollMs?: number;
    } = {},
  ): Edge {
    const file = options.file ?? path.join(root, `edge-${randomBytes(4).toString("hex")}.db`);
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    const outbox = new OutboxStore(db);
    const acks: Edge["acks"] = [];
    const states: LinkState[] = [];
    const logs: string[] = [];
    const logger: Logger = pino({ level: "debug" }, { write: (line: string) => logs.push(line) });
    const link = new CloudLink({
      url,
      token,
      siteId: "hq",
      ca,
      outbox,
      bounds: options.bounds ?? UNBOUNDED,
      logger,
      maxBatchEvents: 100,
      lingerMs: options.lingerMs ?? 5,
      pollMs: options.pollMs ?? 50,
      ackTimeoutMs: 5000,
      statusIntervalMs: 100,
      historyPerSecond: options.historyPerSecond ?? 100_000,
      backoffBaseMs: 50,
      backoffCapMs: 300,
      metrics: {
        batchAcknowledged: (result) => acks.push(result),
        linkState: (state) => states.push(state),
      },
    });
    const created: Edge = {
      db,
      outbox,
      link,
      acks,
      states,
      logs,
      append: (events) => {
        db.transaction(() => outbox.append(events, Date.now()))();
        link.notify();
      },
      stored: () => acks.reduce((sum, ack) => sum + ack.stored, 0),
      duplicates: () => acks.reduce((sum, ack) => sum + ack.duplicates, 0),
    };
    edges.push(created);
    return created;
  }

  beforeAll(async () => {
    await bootCloud();
    ca = readFileSync(path.join(cloudDir, "tls", "cert.pem"), "utf8");
    const login = await api(url, ca, "POST", "/api/v1/auth/login", undefined, {
      email: cloud!.adminEmail,
      password: cloud!.adminPassword,
    });
    expect(login.status).toBe(200);
    adminToken = (login.body as { accessToken: string }).accessToken;
    const sites = (await api(url, ca, "GET", "/api/v1/sites", adminToken)).body as {
      items: { id: string; key: string }[];
    };
    siteUuid = sites.items.find((site) => site.key === "hq")!.id;
  });

  afterEach(async () => {
    for (const e of edges) {
      await e.link.stop();
      e.db.close();
    }
    edges = [];
  });

  afterAll(async () => {
    await cloud?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("delivers every appended event exactly once; a resent outbox is only counted as duplicates", async () => {
    const { secret } = await credential("gw-once");
    const file = path.join(root, "edge-once.db");
    const gw = edge(secret, { file });
    const now = Date.now();
    const events = [
      desk("once-D1", "occupied", now),
      desk("once-D2", "free", now),
      desk("once-D3", "occupied", now),
      room("once-R1", 3, now),
      device("once-dev-1", now),
      ...Array.from({ length: 245 }, (_, i) => reading("once-dev-1", i + 1, now)),
    ];
    gw.append(events);
    // the edge's database as it was before any acknowledgement: a crash right after the cloud stored
    gw.db.pragma("wal_checkpoint(TRUNCATE)");
    const copy = path.join(root, "edge-once-copy.db");
    copyFileSync(file, copy);

    gw.link.start();
    await waitUntil(() => gw.outbox.stats().depth === 0, "the outbox to drain");
    expect(gw.stored()).toBe(250);
    expect(gw.duplicates()).toBe(0);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(250);
    const site = await occupancy();
    expect(site.desks.filter((d) => d.deskId.startsWith("once-"))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ deskId: "once-D1", status: "occupied" }),
        expect.objectContaining({ deskId: "once-D2", status: "free" }),
        expect.objectContaining({ deskId: "once-D3", status: "occupied" }),
      ]),
    );
    expect(site.rooms.find((r) => r.roomId === "once-R1")).toMatchObject({ count: 3 });

    // The same rows (same instance id and row ids) sent again from the restored copy: nothing stored twice.
    const again = edge(secret, { file: copy });
    expect(again.outbox.instanceId).toBe(gw.outbox.instanceId);
    again.link.start();
    await waitUntil(() => again.outbox.stats().depth === 0, "the copy to drain");
    expect(again.stored()).toBe(0);
    expect(again.duplicates()).toBe(250);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(250);
  });

  it("sends a live event on an idle link after its linger time, not at the next poll of the outbox", async () => {
    const { secret } = await credential("gw-idle");
    // the product's timing: 100 ms linger, the idle outbox checked every second
    const gw = edge(secret, { lingerMs: 100, pollMs: 1000 });
    gw.link.start();
    await waitUntil(() => gw.link.state.state === "connected", "the link");
    await waitUntil(() => gw.outbox.stats().depth === 0 && gw.acks.length === 0, "an idle link");
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      // each append lands on a link whose idle poll is pending (the last batch emptied the outbox)
      const sent = Date.now();
      gw.append([desk(`idle-D${i}`, "occupied", sent)]);
      await waitUntil(() => gw.acks.length === i + 1, `event ${i} to be acknowledged`);
      delays.push(Date.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 150 + i * 100));
    }
    console.log(`idle link, append → cloud ack (ms): ${JSON.stringify(delays)}`);
    expect(Math.max(...delays)).toBeLessThan(400);
    expect(gw.stored()).toBe(5);
  });

  it("keeps appending while the cloud is down, then sends the snapshot first, live before history, each event once", async () => {
    const { secret } = await credential("gw-outage");
    const gw = edge(secret, { historyPerSecond: 400 });
    gw.link.start();
    await waitUntil(() => gw.link.state.state === "connected", "the link");

    await cloud!.stop();
    cloud = null;
    await waitUntil(() => gw.link.state.state === "connecting", "the link to notice the outage");
    const t0 = Date.now();
    // 40 desks change 5 times each, 800 readings: 1,000 events written while the cloud is away
    for (let round = 0; round < 5; round++) {
      gw.append([
        ...Array.from({ length: 40 }, (_, i) => desk(`out-D${i}`, round % 2 === 0 ? "occupied" : "free", t0 + round)),
        ...Array.from({ length: 160 }, (_, i) => reading("out-dev", round * 160 + i + 1, t0 + round)),
      ]);
    }
    expect(gw.outbox.stats().depth).toBe(1000);
    expect(gw.acks).toHaveLength(0);

    await bootCloud();
    await waitUntil(() => gw.acks.length >= 1, "the first batch after the outage");
    // The first batch is the snapshot: every desk's latest state (round 4: occupied), history still waiting.
    expect(gw.acks[0]!.backfill).toBe(100);
    const afterFirst = await occupancy();
    const outDesks = afterFirst.desks.filter((d) => d.deskId.startsWith("out-D"));
    expect(outDesks).toHaveLength(40);
    expect(outDesks.every((d) => d.status === "occupied")).toBe(true);

    // A live change goes ahead of the back-fill still queued.
    gw.append([desk("out-live", "occupied", Date.now())]);
    await waitUntil(
      async () => (await occupancy()).desks.some((d) => d.deskId === "out-live"),
      "the live change to arrive",
    );
    expect(gw.outbox.stats().depth).toBeGreaterThan(0);

    await waitUntil(() => gw.outbox.stats().depth === 0, "the back-fill to drain");
    expect(gw.stored()).toBe(1001);
    expect(gw.duplicates()).toBe(0);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(1001);
    const final = await occupancy();
    expect(final.desks.filter((d) => d.deskId.startsWith("out-D")).every((d) => d.status === "occupied")).toBe(true);
  });

  it("resends what was in flight when the cloud went away mid-drain; the cloud still holds each event once", async () => {
    const { secret } = await credential("gw-middrain");
    const gw = edge(secret);
    const now = Date.now();
    gw.append(Array.from({ length: 3000 }, (_, i) => reading("mid-dev", i + 1, now)));
    gw.link.start();
    await waitUntil(() => gw.acks.length >= 2, "the drain to start");
    await cloud!.stop();
    cloud = null;
    const sentBefore = gw.stored();
    expect(gw.outbox.stats().depth).toBeGreaterThan(0);
    await bootCloud();
    await waitUntil(() => gw.outbox.stats().depth === 0, "the outbox to drain", 60_000);
    expect(sentBefore).toBeLessThan(3000);
    expect(gw.stored()).toBe(3000);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(3000);
  });

  it("isolates events the cloud refuses for good into the dead-letter table and delivers the rest", async () => {
    const { secret } = await credential("gw-dead");
    const gw = edge(secret);
    const now = Date.now();
    const events = Array.from({ length: 100 }, (_, i) => desk(`dead-D${i}`, "occupied", now));
    events[40] = desk("dead-future", "occupied", now + 60 * 60 * 1000);
    events[70] = { ...desk("dead-foreign", "occupied", now), siteId: "elsewhere" };
    gw.append(events);
    gw.link.start();
    await waitUntil(() => gw.outbox.stats().depth === 0, "the outbox to drain");
    expect(gw.stored()).toBe(98);
    expect(gw.outbox.stats().deadLetters).toBe(2);
    const dead = gw.db.prepare("SELECT code FROM outbox_dead ORDER BY id").pluck().all();
    expect(dead).toEqual(["VALIDATION_FAILED", "FORBIDDEN"]);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(98);
  });

  it("is refused with a wrong or a revoked credential, says so once, and deletes nothing", async () => {
    const wrong = edge(`dsk_gateway_${randomBytes(24).toString("base64url")}`);
    wrong.append([desk("ref-D1", "occupied", Date.now())]);
    wrong.link.start();
    await waitUntil(() => wrong.link.state.state === "refused", "the refusal");
    expect(wrong.link.state).toMatchObject({ state: "refused", code: "UNAUTHENTICATED" });
    await waitUntil(() => wrong.logs.filter((line) => line.includes("connecting to the cloud")).length >= 3, "retries");
    expect(wrong.logs.filter((line) => line.includes("refuses this gateway")).length).toBe(1);
    expect(wrong.logs.join("\n")).not.toContain("dsk_gateway_");
    expect(wrong.outbox.stats().depth).toBe(1);

    const { id, secret } = await credential("gw-revoked");
    const revoked = edge(secret);
    revoked.link.start();
    await waitUntil(() => revoked.link.state.state === "connected", "the link");
    expect((await api(url, ca, "DELETE", `/api/v1/machine-credentials/${id}`, adminToken)).status).toBeLessThan(300);
    await waitUntil(() => revoked.link.state.state === "refused", "the revocation to take effect");
    expect(revoked.link.state).toMatchObject({ state: "refused", code: "UNAUTHENTICATED" });
    revoked.append([desk("ref-D2", "occupied", Date.now()), reading("ref-dev", 1, Date.now())]);
    expect(revoked.link.health()).toMatchObject({
      link: { state: "refused", code: "UNAUTHENTICATED" },
      outboxDepth: 2,
      droppedTotal: 0,
    });
    expect(revoked.acks).toHaveLength(0);
    expect(cloudEventCount(revoked.outbox.instanceId)).toBe(0);
  });

  it("under a long outage the bounds drop history but keep the latest state of every desk", async () => {
    const { secret } = await credential("gw-bounds");
    const gw = edge(secret, { bounds: { maxRows: 100, maxBytes: 1e9, maxAgeMs: 1e9 } });
    gw.link.start();
    await waitUntil(() => gw.link.state.state === "connected", "the link");
    await cloud!.stop();
    cloud = null;
    await waitUntil(() => gw.link.state.state === "connecting", "the link to notice the outage");
    const t0 = Date.now();
    // 30 desks × 20 changes (the last one "free") and 2,000 readings: 2,600 rows against a bound of 100
    for (let round = 0; round < 20; round++) {
      gw.append([
        ...Array.from({ length: 30 }, (_, i) => desk(`bnd-D${i}`, round === 19 ? "free" : "occupied", t0 + round)),
        ...Array.from({ length: 100 }, (_, i) => reading("bnd-dev", round * 100 + i + 1, t0 + round)),
      ]);
    }
    await waitUntil(() => gw.outbox.stats().depth === 100, "the bounds to apply");
    expect(gw.outbox.stats().droppedTotal).toBe(2500);

    await bootCloud();
    await waitUntil(() => gw.outbox.stats().depth === 0, "the outbox to drain");
    expect(gw.stored()).toBe(100);
    expect(cloudEventCount(gw.outbox.instanceId)).toBe(100);
    const desks = (await occupancy()).desks.filter((d) => d.deskId.startsWith("bnd-D"));
    expect(desks).toHaveLength(30);
    expect(desks.every((d) => d.status === "free")).toBe(true);
    const gateways = await api(url, ca, "GET", `/api/v1/sites/${siteUuid}/gateways`, adminToken);
    expect(gateways.status).toBe(200);
    expect((gateways.body as { items: { droppedTotal: number }[] }).items.some((g) => g.droppedTotal === 2500)).toBe(
      true,
    );
  });
});
