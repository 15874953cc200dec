import { randomBytes } from "node:crypto";

import { pino } from "pino";
import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  LIVE_NAMESPACE,
  type Ack,
  type GatewayLinkClientToServerEvents,
  type GatewayLinkState,
  type GatewayServerToClientEvents,
  type LiveOccupancyClientToServerEvents,
  type LiveOccupancyServerToClientEvents,
  type LiveSubscribeResult,
  type MachineCredentialCreated,
  type OccupancyChanged,
  type SiteOccupancy,
  type UplinkBatchResult,
  type UplinkEvent,
} from "@desksharing/protocol";

import { createCloud, type CloudInstance } from "../app.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";
import { connectSocket } from "../test-support/sockets.js";

type EdgeSocket = Socket<GatewayServerToClientEvents, GatewayLinkClientToServerEvents>;
type BrowserSocket = Socket<LiveOccupancyServerToClientEvents, LiveOccupancyClientToServerEvents>;

/** An edge's outbox: ids `<instance>:<row>` as the edge makes them. */
function outbox() {
  const instance = randomBytes(6).toString("hex");
  let row = 0;
  const base = (at: number) => ({ id: `${instance}:${++row}`, siteId: "hq", at });
  return {
    desk: (deskId: string, status: "free" | "occupied", at: number): UplinkEvent => ({
      ...base(at),
      type: "desk-state",
      state: { deskId, floorId: "floor-1", status, since: at },
    }),
    room: (roomId: string, count: number, at: number): UplinkEvent => ({
      ...base(at),
      type: "room-state",
      state: { roomId, floorId: "floor-1", status: count > 0 ? "occupied" : "free", count, since: at },
    }),
    reading: (deviceId: string, at: number, historical: boolean): UplinkEvent => ({
      ...base(at),
      type: "reading",
      deviceId,
      boot: "b1",
      seq: row,
      occupied: false,
      historical,
    }),
    device: (deviceId: string, availability: "online" | "offline", at: number): UplinkEvent => ({
      ...base(at),
      type: "device-state",
      deviceId,
      availability,
      battery: 55,
    }),
  };
}

describe.each(PROVIDERS_UNDER_TEST)("gateway uplink on %s", (provider) => {
  let t: TestCloud;
  let restarted: CloudInstance | undefined;
  let siteId: string;
  let branchId: string;
  let gateway: MachineCredentialCreated;
  const sockets: Socket[] = [];

  function open<S extends Socket>(cloud: CloudInstance, namespace: string, token: string): Promise<S> {
    return connectSocket<S>(cloud, namespace, token, sockets);
  }

  const edge = (cloud = t.cloud, token = gateway.secret) => open<EdgeSocket>(cloud, GATEWAY_NAMESPACE, token);
  const browser = (token: string) => open<BrowserSocket>(t.cloud, LIVE_NAMESPACE, token);
  const send = (socket: EdgeSocket, events: unknown[]) =>
    socket.timeout(10_000).emitWithAck("uplink:batch", { events } as never) as Promise<Ack<UplinkBatchResult>>;
  const subscribe = (socket: BrowserSocket, request: { siteId?: string }) =>
    socket.timeout(5_000).emitWithAck("live:subscribe", request) as Promise<Ack<LiveSubscribeResult>>;
  const storedCount = (events: UplinkEvent[]) =>
    t.cloud.database.db.occupancyEvent.count({ where: { eventId: { in: events.map((event) => event.id) } } });
  const occupancy = async () => (await t.admin.get(`/api/v1/sites/${siteId}/occupancy`)).json as SiteOccupancy;
  const gatewayState = async () =>
    ((await t.admin.get(`/api/v1/sites/${siteId}/gateways`)).json as { items: GatewayLinkState[] }).items.find(
      (item) => item.credentialId === gateway.credential.id,
    )!;
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  beforeAll(async () => {
    t = await startTestCloud(provider);
    siteId = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    const branch = await t.admin.post("/api/v1/sites", { key: "branch", name: "Branch", address: "", timeZone: "UTC" });
    branchId = (branch.json as { id: string }).id;
    gateway = (await t.admin.post("/api/v1/machine-credentials", { siteId, kind: "gateway", name: "gw-hq" }))
      .json as MachineCredentialCreated;
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(async () => {
    await restarted?.stop();
    await t?.stop();
  });

  it("stores a batch once, acknowledges it, and counts resends as duplicates", async () => {
    const socket = await edge();
    const box = outbox();
    const now = Date.now();
    const events = [box.desk("d-once", "occupied", now), box.room("r-once", 3, now), box.reading("pir-1", now, false)];
    expect(await send(socket, events)).toEqual({ ok: true, data: { stored: 3, duplicates: 0 } });
    expect(await send(socket, events)).toEqual({ ok: true, data: { stored: 0, duplicates: 3 } });
    expect(await send(socket, [...events, events[0]])).toEqual({ ok: true, data: { stored: 0, duplicates: 4 } });
    expect(await storedCount(events)).toBe(3);
    const metrics = (await t.admin.get("/metrics")).text;
    expect(metrics).toMatch(/desk_cloud_uplink_events_stored_total \d+/);
    expect(metrics).toMatch(/desk_cloud_uplink_events_duplicate_total [1-9]\d*/);
    expect(metrics).toMatch(/desk_cloud_gateways_connected [1-9]/);
    expect(metrics).toMatch(/desk_cloud_uplink_batch_store_seconds_count [1-9]/);
  });

  it("refuses a whole batch with one invalid, foreign-site or future event, and uplink from non-gateways", async () => {
    const socket = await edge();
    const box = outbox();
    const now = Date.now();
    const good = box.desk("d-refused", "occupied", now);
    const cases: [unknown[], string][] = [
      [[good, { ...box.desk("d-2", "free", now), state: { deskId: "d-2", status: "busy" } }], "VALIDATION_FAILED"],
      [[good, { ...box.desk("d-3", "free", now), siteId: "branch" }], "FORBIDDEN"],
      [[good, box.desk("d-4", "free", now + 3_600_000)], "VALIDATION_FAILED"],
      [[], "VALIDATION_FAILED"],
    ];
    for (const [events, code] of cases) {
      expect(await send(socket, events)).toMatchObject({ ok: false, error: { code } });
    }
    const user = await edge(t.cloud, (await t.clientWith(["gateway:sync"])).token!);
    expect(await send(user, [good])).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const branchGateway = (
      await t.admin.post("/api/v1/machine-credentials", { siteId: branchId, kind: "gateway", name: "gw-branch" })
    ).json as MachineCredentialCreated;
    expect(await send(await edge(t.cloud, branchGateway.secret), [good])).toMatchObject({
      ok: false,
      error: { code: "FORBIDDEN" },
    });
    expect(await storedCount([good])).toBe(0);
  });

  it("refuses a wrong, expired or revoked gateway credential at the handshake", async () => {
    await expect(edge(t.cloud, `dsk_gateway_${"A".repeat(49)}`)).rejects.toThrow("UNAUTHENTICATED");
    const create = async () =>
      (await t.admin.post("/api/v1/machine-credentials", { siteId, kind: "gateway", name: "short-lived" }))
        .json as MachineCredentialCreated;
    const expired = await create();
    await t.cloud.database.db.machineCredential.update({
      where: { id: expired.credential.id },
      data: { expiresAt: new Date(Date.now() - 1_000) },
    });
    await expect(edge(t.cloud, expired.secret)).rejects.toThrow("UNAUTHENTICATED");
    const revoked = await create();
    await t.admin.request("DELETE", `/api/v1/machine-credentials/${revoked.credential.id}`);
    await expect(edge(t.cloud, revoked.secret)).rejects.toThrow("UNAUTHENTICATED");
  });

  it("keeps the newer state, leaves history out of it, and tells only the browsers allowed to see the site", async () => {
    const watcher = await browser(
      (await t.userWith(["live:read", "occupancy:read"], { siteIds: [siteId] })).client.token!,
    );
    const otherSite = await browser(
      (await t.userWith(["live:read", "occupancy:read"], { siteIds: [branchId] })).client.token!,
    );
    const noScope = await browser((await t.clientWith(["live:read"])).token!);
    const outsider = await t.newOrganisation("Elsewhere Ltd");
    const foreign = await browser(outsider.client.token!);
    const received = { watcher: [] as OccupancyChanged[], others: [] as OccupancyChanged[] };
    watcher.on("occupancy:changed", (event) => received.watcher.push(event));
    for (const socket of [otherSite, noScope, foreign]) {
      socket.on("occupancy:changed", (event) => received.others.push(event));
    }

    const snapshot = await subscribe(watcher, { siteId: "hq" });
    expect(snapshot).toMatchObject({ ok: true, data: { sites: [{ siteId: "hq" }] } });
    expect(await subscribe(otherSite, {})).toMatchObject({ ok: true, data: { sites: [{ siteId: "branch" }] } });
    expect(await subscribe(otherSite, { siteId: "hq" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await subscribe(noScope, {})).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await subscribe(foreign, { siteId: "hq" })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await subscribe(foreign, {})).toEqual({ ok: true, data: { sites: [] } });

    const socket = await edge();
    const box = outbox();
    const t0 = Date.now();
    const first = new Promise<OccupancyChanged>((resolve) => watcher.once("occupancy:changed", resolve));
    const sentAt = performance.now();
    await send(socket, [
      box.desk("d-live", "free", t0 - 10),
      box.desk("d-live", "occupied", t0),
      box.device("pir-9", "online", t0),
    ]);
    const change = await first;
    expect(performance.now() - sentAt).toBeLessThan(1_000);
    expect(change).toEqual({
      siteId: "hq",
      desks: [{ deskId: "d-live", floorId: "floor-1", status: "occupied", since: t0 }],
      rooms: [],
      devices: [{ deviceId: "pir-9", availability: "online", lifecycle: null, battery: 55, at: t0 }],
    });

    // An older state and historical readings are stored as history, but change nothing and tell nobody.
    const late = [
      box.desk("d-live", "free", t0 - 5_000),
      box.reading("pir-9", t0 + 1, true),
      box.reading("pir-9", t0 + 2, false),
    ];
    expect(await send(socket, late)).toEqual({ ok: true, data: { stored: 3, duplicates: 0 } });
    expect(await storedCount(late)).toBe(3);
    expect((await occupancy()).desks.find((desk) => desk.deskId === "d-live")).toMatchObject({ status: "occupied" });

    const last = new Promise<OccupancyChanged>((resolve) => watcher.once("occupancy:changed", resolve));
    await send(socket, [box.desk("d-live", "free", t0 + 10)]);
    expect((await last).desks).toEqual([{ deskId: "d-live", floorId: "floor-1", status: "free", since: t0 + 10 }]);
    // One socket's messages arrive in order: once a request made after the last batch is answered, any change sent
    // to these browsers would have arrived before it.
    await Promise.all([otherSite, noScope, foreign].map((other) => subscribe(other, {})));
    expect(received.watcher).toHaveLength(2);
    expect(received.others).toEqual([]);
    expect((await occupancy()).desks.find((desk) => desk.deskId === "d-live")).toMatchObject({ status: "free" });
  });

  it("shows each gateway's connection, last contact, lag and outbox depth", async () => {
    const socket = await edge();
    const box = outbox();
    const at = Date.now() - 60_000;
    await send(socket, [box.desk("d-status", "occupied", at)]);
    socket.emit("uplink:status", {
      siteId: "hq",
      outboxDepth: 42,
      oldestUnsentAt: Date.now() - 5_000,
      droppedTotal: 1,
    });
    const state = await until(gatewayState, (value) => value.outboxDepth === 42);
    expect(state).toMatchObject({ name: "gw-hq", connected: true, outboxDepth: 42, droppedTotal: 1 });
    expect(state.lagMs).toBeGreaterThanOrEqual(5_000);
    expect(state.lagMs).toBeLessThan(60_000);
    expect(state.eventsStored).toBeGreaterThanOrEqual(1);
    expect(Date.parse(state.newestEventAt!)).toBeGreaterThanOrEqual(at);
    expect(Date.now() - Date.parse(state.lastContactAt!)).toBeLessThan(5_000);

    socket.emit("uplink:status", { siteId: "hq", outboxDepth: 0, oldestUnsentAt: null, droppedTotal: 1 });
    expect(await until(gatewayState, (value) => value.outboxDepth === 0)).toMatchObject({ lagMs: 0 });
    for (const open of sockets) open.close();
    expect(await until(gatewayState, (value) => !value.connected)).toMatchObject({ connected: false });
  });

  it("stores nothing twice when the cloud restarts between two sends of the same batch", async () => {
    const box = outbox();
    const now = Date.now();
    const batch = [box.desk("d-restart", "occupied", now), box.reading("pir-restart", now, false)];
    expect(await send(await edge(), batch)).toEqual({ ok: true, data: { stored: 2, duplicates: 0 } });
    await t.cloud.stop();
    restarted = await createCloud(
      { ...t.cloud.config, seed: { ...t.cloud.config.seed, enabled: false } },
      pino({ level: "silent" }),
    );
    expect(await send(await edge(restarted), batch)).toEqual({ ok: true, data: { stored: 0, duplicates: 2 } });
    expect(
      await restarted.database.db.occupancyEvent.count({ where: { eventId: { in: batch.map((event) => event.id) } } }),
    ).toBe(2);
  });
});
