import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";

import Database from "better-sqlite3";
import { pino } from "pino";
import { Server } from "socket.io";
import { io } from "socket.io-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import {
  GATEWAY_NAMESPACE,
  type DownlinkPart,
  type DownlinkSnapshotRequest,
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
} from "@desksharing/protocol";

import { DownlinkCache } from "./cache.js";
import { attachDownlink, type DownlinkSocket } from "./link.js";
import { fullSnapshot, settings, sha256Hex } from "./test-fixtures.js";

/**
 * The downlink against a socket.io server that answers what each test injects: the faults a real cloud does not
 * produce (invalid data, another site, no answer). The real cloud is exercised in test/edge-cloud-downlink.
 */
describe("downlink over a socket", () => {
  let http: HttpServer;
  let server: Server<GatewayLinkClientToServerEvents, GatewayServerToClientEvents>;
  let url: string;
  let db: Database.Database;
  let cache: DownlinkCache;
  let requests: DownlinkSnapshotRequest[];
  let answer: (request: DownlinkSnapshotRequest) => unknown;
  let logs: { msg: string; level: number }[];
  let changes: DownlinkPart[][];
  let socket: DownlinkSocket | null;

  beforeEach(async () => {
    http = createServer();
    server = new Server(http);
    requests = [];
    server.of(GATEWAY_NAMESPACE).on("connection", (client) => {
      client.on("downlink:snapshot", (request, ack) => {
        requests.push(request);
        const reply = answer(request);
        if (reply !== undefined) ack(reply as never);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}${GATEWAY_NAMESPACE}`;
    db = new Database(":memory:");
    cache = new DownlinkCache(db);
    logs = [];
    changes = [];
    socket = null;
  });
  afterEach(async () => {
    socket?.close();
    await new Promise<void>((resolve) => void server.close(() => resolve()));
    db.close();
  });

  function connect(retryMs = 5_000): void {
    const logger = pino({ level: "debug" }, { write: (line: string) => logs.push(JSON.parse(line) as never) });
    socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
    attachDownlink(socket, cache, {
      siteId: "hq",
      logger,
      onChange: (parts) => changes.push(parts),
      ackTimeoutMs: 500,
      retryMs,
    });
  }
  async function until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const logged = (text: string) => logs.some((line) => line.msg.includes(text));

  it("asks for everything on connect, caches it and tells which parts changed", async () => {
    answer = () => ({ ok: true, data: fullSnapshot() });
    connect();
    await until(() => changes.length === 1, "the first snapshot");
    expect(requests).toEqual([{ siteId: "hq", parts: ["plans", "settings", "kioskCredentials"], known: {} }]);
    expect(changes).toEqual([["plans", "settings", "kioskCredentials"]]);
    expect(cache.known("hq")).toEqual({ plans: "p1", settings: settings().revision, kioskCredentials: "k1" });
  });

  it("fetches a part a notice names only when its revision is new, naming the revision it holds", async () => {
    cache.apply(fullSnapshot(), 1);
    // On connect everything is current; afterwards the plans have a new revision.
    answer = (request) => ({
      ok: true,
      data:
        requests.length === 1
          ? { siteId: "hq", unchanged: request.parts }
          : { siteId: "hq", plans: { revision: "p2", floors: [] }, unchanged: [] },
    });
    connect();
    await until(() => requests.length === 1, "the connect request");
    expect(requests[0]!.known).toEqual({ plans: "p1", settings: settings().revision, kioskCredentials: "k1" });
    await until(() => logged("downlink: cache current"), "the answer");

    server.of(GATEWAY_NAMESPACE).emit("downlink:changed", { siteId: "hq", revisions: { kioskCredentials: "k1" } });
    server.of(GATEWAY_NAMESPACE).emit("downlink:changed", { siteId: "hq", revisions: { plans: "p2" } });
    await until(() => changes.length === 1, "the plans change");
    expect(requests.slice(1)).toEqual([{ siteId: "hq", parts: ["plans"], known: { plans: "p1" } }]);
    expect(changes).toEqual([["plans"]]);
    expect(cache.plans()).toEqual([]);
    expect(cache.kioskCredentials()).toHaveLength(2);
  });

  it.each([
    [
      "a kiosk secret in place of a hash",
      () =>
        fullSnapshot({
          kioskCredentials: {
            revision: "k2",
            items: [{ id: "k", name: "K", hash: "dsk_kiosk_secret", expiresAt: null }],
          },
        }),
    ],
    ["another site's data", () => ({ ...fullSnapshot(), siteId: "branch", plans: undefined })],
    ["a requested part missing", () => ({ ...fullSnapshot(), kioskCredentials: undefined })],
    ["an unknown key", () => ({ ...fullSnapshot(), bookings: [] })],
  ])("leaves the cache as it was on a snapshot with %s, and says so", async (_name, data) => {
    cache.apply(
      fullSnapshot({
        kioskCredentials: {
          revision: "k0",
          items: [{ id: "old", name: "Old", hash: sha256Hex("x"), expiresAt: null }],
        },
      }),
      1,
    );
    const before = cache.status();
    answer = () => ({ ok: true, data: data() });
    connect();
    await until(() => logs.some((line) => line.level >= 50), "the error");
    expect(cache.status()).toEqual(before);
    expect(cache.kioskCredentials().map((item) => item.id)).toEqual(["old"]);
    expect(changes).toEqual([]);
  });

  it("ignores a notice for another site and an invalid one", async () => {
    answer = (request) => ({ ok: true, data: { siteId: "hq", unchanged: request.parts } });
    cache.apply(fullSnapshot(), 1);
    connect();
    await until(() => logged("downlink: cache current"), "the connect request");
    server.of(GATEWAY_NAMESPACE).emit("downlink:changed", { siteId: "branch", revisions: { plans: "zz" } });
    server.of(GATEWAY_NAMESPACE).emit("downlink:changed", { siteId: "hq", revisions: {} });
    await until(() => logs.filter((line) => line.msg.includes("invalid change notice")).length === 2, "both refusals");
    expect(requests).toHaveLength(1);
  });

  it("asks again after no answer or UNAVAILABLE, but not after FORBIDDEN", async () => {
    let calls = 0;
    answer = () => {
      calls += 1;
      if (calls === 1) return undefined; // no acknowledgement: the request times out
      if (calls === 2) return { ok: false, error: { code: "UNAVAILABLE", message: "try again" } };
      return { ok: true, data: fullSnapshot() };
    };
    connect(50);
    await until(() => changes.length === 1, "the third attempt");
    expect(calls).toBe(3);

    answer = () => ({ ok: false, error: { code: "FORBIDDEN", message: "another site" } });
    server.of(GATEWAY_NAMESPACE).emit("downlink:changed", { siteId: "hq", revisions: { plans: "p9" } });
    await until(() => logged("refuses the snapshot request") && requests.length === 4, "the refusal");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(requests).toHaveLength(4);
    expect(cache.known("hq").plans).toBe("p1");
  });
});
