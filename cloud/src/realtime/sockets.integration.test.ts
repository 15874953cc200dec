import { readFileSync } from "node:fs";

import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  LIVE_NAMESPACE,
  PROTOCOL_VERSION,
  PublishedPlans,
  type Ack,
  type FloorPlan,
  type FloorPlanImport,
  type GatewayClientToServerEvents,
  type GatewayServerToClientEvents,
  type LiveClientToServerEvents,
  type LiveServerToClientEvents,
  type MachineCredentialCreated,
  type PlanPublished,
} from "@desksharing/protocol";

import { DEFAULT_SEED_PLAN_FILES } from "../config.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const floor2 = JSON.parse(readFileSync(DEFAULT_SEED_PLAN_FILES[1]!, "utf8")) as FloorPlan;

describe.each(PROVIDERS_UNDER_TEST)("socket namespaces on %s", (provider) => {
  let t: TestCloud;
  const sockets: Socket[] = [];

  function open<S extends object, C extends object>(
    namespace: string,
    auth: unknown,
    origin?: string,
  ): Socket<S & Record<string, never>, C & Record<string, never>> {
    const socket = io(`${t.cloud.url}${namespace}`, {
      auth: auth as Record<string, unknown>,
      ca: t.cloud.caCertificate,
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      ...(origin !== undefined ? { extraHeaders: { origin } } : {}),
    });
    sockets.push(socket);
    return socket;
  }

  function outcome(socket: Socket): Promise<{ connected: true } | { connected: false; code: unknown }> {
    return new Promise((resolve) => {
      socket.once("connect", () => resolve({ connected: true }));
      socket.once("connect_error", (error: Error & { data?: { code?: unknown } }) =>
        resolve({ connected: false, code: error.data?.code }),
      );
    });
  }

  beforeAll(async () => {
    t = await startTestCloud(provider, { liveOrigins: ["https://console.example.com"] });
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => t?.stop());

  const valid = (token: string | null | undefined) => ({ token, protocolVersion: PROTOCOL_VERSION });

  it.each([LIVE_NAMESPACE, GATEWAY_NAMESPACE])("%s refuses a missing, forged or revoked token", async (namespace) => {
    expect(await outcome(open(namespace, {}))).toEqual({ connected: false, code: "UNAUTHENTICATED" });
    expect(await outcome(open(namespace, valid(`dsk_${"B".repeat(43)}`)))).toEqual({
      connected: false,
      code: "UNAUTHENTICATED",
    });
    const user = await t.userWith(["live:read", "gateway:sync", "account:manage"]);
    expect((await user.client.post("/api/v1/auth/logout")).status).toBe(204);
    expect(await outcome(open(namespace, valid(user.client.token)))).toEqual({
      connected: false,
      code: "UNAUTHENTICATED",
    });
  });

  it("refuses a token without the namespace's scope and a client speaking another protocol version", async () => {
    const readOnly = await t.clientWith(["sites:read"]);
    expect(await outcome(open(LIVE_NAMESPACE, valid(readOnly.token)))).toEqual({ connected: false, code: "FORBIDDEN" });
    expect(await outcome(open(GATEWAY_NAMESPACE, valid(readOnly.token)))).toEqual({
      connected: false,
      code: "FORBIDDEN",
    });
    expect(
      await outcome(open(LIVE_NAMESPACE, { token: t.admin.token, protocolVersion: PROTOCOL_VERSION + 1 })),
    ).toEqual({
      connected: false,
      code: "SERVER_TOO_OLD",
    });
  });

  it("drops a machine credential's socket when the credential expires, and keeps one expiring later", async () => {
    const siteId = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    const create = async (name: string, expiresAt: Date) => {
      const created = await t.admin.post("/api/v1/machine-credentials", {
        siteId,
        kind: "gateway",
        name,
        expiresAt: expiresAt.toISOString(),
      });
      expect(created.status).toBe(201);
      return created.json as MachineCredentialCreated;
    };
    const expiresAt = new Date(Date.now() + 2_000);
    const shortLived = await create("gw-short-lived", expiresAt);
    // Beyond setTimeout's limit of 2^31 − 1 ms (~24.8 days), where a plain timer would fire at once.
    const longLived = await create("gw-long-lived", new Date(Date.now() + 90 * 86_400_000));
    const short = open(GATEWAY_NAMESPACE, valid(shortLived.secret));
    const long = open(GATEWAY_NAMESPACE, valid(longLived.secret));
    expect(await Promise.all([outcome(short), outcome(long)])).toEqual([{ connected: true }, { connected: true }]);

    const reason = await new Promise<string>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error("not dropped within 10 s of its expiry")), 12_000);
      short.once("disconnect", (why) => {
        clearTimeout(timeout);
        resolve(why);
      });
    });
    expect(reason).toBe("io server disconnect");
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(long.connected).toBe(true);
    expect(await outcome(open(GATEWAY_NAMESPACE, valid(shortLived.secret)))).toEqual({
      connected: false,
      code: "UNAUTHENTICATED",
    });
  });

  it("/live refuses a foreign Origin and admits the configured one", async () => {
    expect(await outcome(open(LIVE_NAMESPACE, valid(t.admin.token), "https://evil.example.net"))).toEqual({
      connected: false,
      code: "FORBIDDEN",
    });
    expect(await outcome(open(LIVE_NAMESPACE, valid(t.admin.token), "https://console.example.com"))).toEqual({
      connected: true,
    });
    expect(await outcome(open(LIVE_NAMESPACE, valid(t.admin.token), t.cloud.url))).toEqual({ connected: true });
  });

  it("tells live browsers and gateways of the organisation, and only them, when a plan is published", async () => {
    const gatewayClient = await t.clientWith(["gateway:sync"]);
    const outsider = await t.newOrganisation("Elsewhere Ltd");
    const live = open<LiveServerToClientEvents, LiveClientToServerEvents>(LIVE_NAMESPACE, valid(t.admin.token));
    const gateway = open<GatewayServerToClientEvents, GatewayClientToServerEvents>(
      GATEWAY_NAMESPACE,
      valid(gatewayClient.token),
    );
    const foreignGateway = open<GatewayServerToClientEvents, GatewayClientToServerEvents>(
      GATEWAY_NAMESPACE,
      valid(outsider.client.token),
    );
    const foreignEvents: PlanPublished[] = [];
    foreignGateway.on("plan:published", (event) => foreignEvents.push(event));
    await Promise.all([outcome(live), outcome(gateway), outcome(foreignGateway)]);

    const liveEvent = new Promise<PlanPublished>((resolve) => live.once("plan:published", resolve));
    const gatewayEvent = new Promise<PlanPublished>((resolve) => gateway.once("plan:published", resolve));
    const site = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!;
    const imported = (await t.admin.post(`/api/v1/sites/${site.id}/floor-plans`, floor2)).json as FloorPlanImport;
    await t.admin.post(`/api/v1/floors/${imported.floor.id}/versions/${imported.version.version}/publish`);

    const expected = { siteId: "hq", floorId: "floor-2", version: imported.version.version };
    expect(await liveEvent).toMatchObject(expected);
    expect(await gatewayEvent).toMatchObject(expected);
    // Messages on one socket arrive in order: once a request made after the publish is answered, an event for the
    // other organisation's gateway would have arrived before it.
    await new Promise((resolve) => foreignGateway.emit("plans:fetch", { siteId: "hq" }, resolve));
    expect(foreignEvents).toEqual([]);
  });

  it("answers a gateway's request for the published plans of its site, validated and scoped", async () => {
    const gateway = open<GatewayServerToClientEvents, GatewayClientToServerEvents>(
      GATEWAY_NAMESPACE,
      valid((await t.clientWith(["gateway:sync"])).token),
    );
    await outcome(gateway);
    const fetch = (request: unknown) =>
      new Promise<Ack<unknown>>((resolve) => gateway.emit("plans:fetch", request as { siteId: string }, resolve));
    const reply = await fetch({ siteId: "hq" });
    expect(reply.ok).toBe(true);
    const plans = PublishedPlans.parse((reply as { data: unknown }).data);
    expect(plans.plans.map((entry) => entry.plan.floorId).sort()).toEqual(["floor-1", "floor-2"]);
    expect(await fetch({ siteId: "a/b" })).toMatchObject({ ok: false, error: { code: "VALIDATION_FAILED" } });
    expect(await fetch({ siteId: "nowhere" })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });

    const outsider = await t.newOrganisation("Other Corp");
    const foreignGateway = open<GatewayServerToClientEvents, GatewayClientToServerEvents>(
      GATEWAY_NAMESPACE,
      valid(outsider.client.token),
    );
    await outcome(foreignGateway);
    const foreign = await new Promise<Ack<unknown>>((resolve) =>
      foreignGateway.emit("plans:fetch", { siteId: "hq" }, resolve),
    );
    expect(foreign).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });
});
