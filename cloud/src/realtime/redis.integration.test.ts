import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { pino } from "pino";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  LIVE_NAMESPACE,
  PROTOCOL_VERSION,
  type FloorPlan,
  type FloorPlanImport,
  type GatewayLinkState,
  type MachineCredentialCreated,
  type OccupancyChanged,
  type PlanPublished,
} from "@desksharing/protocol";

import { createCloud, StartError, type CloudInstance } from "../app.js";
import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { ApiClient } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { connectSocket } from "../test-support/sockets.js";

const REDIS = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const floor1 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[0]!, "utf8")) as FloorPlan;

/** Several instances only make sense on a shared PostgreSQL, so this runs on that path alone. */
describe("two cloud instances on one PostgreSQL database and one Redis", () => {
  let first: TestCloud;
  let second: CloudInstance;
  let socket: Socket | undefined;
  const sockets: Socket[] = [];

  function connect(cloud: CloudInstance, namespace: string, token: string): Promise<Socket> {
    return connectSocket(cloud, namespace, token, sockets);
  }

  beforeAll(async () => {
    // A fresh channel prefix is not needed: rooms are per organisation, and each test database has its own ids.
    first = await startTestCloud("postgresql", { redisUrl: REDIS });
    second = await createCloud(
      { ...first.cloud.config, seed: { ...first.cloud.config.seed, enabled: false, planFiles: [] } },
      pino({ level: "silent" }),
    );
  });
  afterAll(async () => {
    socket?.close();
    sockets.forEach((opened) => opened.close());
    await second?.stop();
    await first?.stop();
  });

  it("delivers a plan published on one instance to a browser connected to the other", async () => {
    expect(second.url).not.toBe(first.cloud.url);
    socket = io(`${second.url}${LIVE_NAMESPACE}`, {
      auth: { token: first.admin.token, protocolVersion: PROTOCOL_VERSION },
      ca: second.caCertificate,
      transports: ["websocket"],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket!.once("connect", resolve);
      socket!.once("connect_error", reject);
    });
    const received = new Promise<PlanPublished>((resolve) => socket!.once("plan:published", resolve));

    const site = ((await first.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    const imported = (await first.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor1)).json as FloorPlanImport;
    await first.admin.post(`/api/v1/floors/${imported.floor.id}/versions/${imported.version.version}/publish`);

    expect(await received).toMatchObject({ siteId: "hq", floorId: "floor-1", version: imported.version.version });
  });

  it("delivers an occupancy change a gateway sent to one instance to a browser on the other, and lists it as connected there", async () => {
    const site = ((await first.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    const gateway = (
      await first.admin.post("/api/v1/machine-credentials", { siteId: site.id, kind: "gateway", name: "gw" })
    ).json as MachineCredentialCreated;
    const browser = await connect(second, LIVE_NAMESPACE, first.admin.token!);
    await browser.timeout(5_000).emitWithAck("live:subscribe", { siteId: "hq" });
    const received = new Promise<OccupancyChanged>((resolve) => browser.once("occupancy:changed", resolve));
    const edge = await connect(first.cloud, GATEWAY_NAMESPACE, gateway.secret);
    const at = Date.now();
    const state = { deskId: "d-redis", floorId: "floor-1", status: "occupied", since: at };
    const ack: unknown = await edge
      .timeout(10_000)
      .emitWithAck("uplink:batch", { events: [{ id: "redis0001:1", siteId: "hq", at, type: "desk-state", state }] });
    expect(ack).toEqual({ ok: true, data: { stored: 1, duplicates: 0 } });
    expect((await received).desks).toEqual([state]);

    const listed = new ApiClient(second.url, second.caCertificate, second.routes, first.admin.token);
    const items = ((await listed.get(`/api/v1/sites/${site.id}/gateways`)).json as { items: GatewayLinkState[] }).items;
    expect(items.find((item) => item.credentialId === gateway.credential.id)).toMatchObject({ connected: true });
  });

  it("refuses to start when Redis cannot be reached, naming the setting", async () => {
    const config = {
      ...first.cloud.config,
      redisUrl: `redis://127.0.0.1:1/${randomBytes(2).readUInt16BE() % 16}`,
      seed: { ...first.cloud.config.seed, enabled: false, planFiles: [] },
    };
    await expect(createCloud(config, pino({ level: "silent" }))).rejects.toThrow(StartError);
    await expect(createCloud(config, pino({ level: "silent" }))).rejects.toThrow(/DESK_CLOUD_REDIS_URL/);
  });
});
