import { randomBytes } from "node:crypto";

import type { Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import {
  type Ack,
  type GatewayLinkState,
  type MachineCredentialCreated,
  type UplinkEvent,
} from "@desksharing/protocol";

import { ALL_SCOPES, type Scope } from "../identity/scopes.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { connectSocket } from "../test-support/sockets.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";
import {
  eventRefusal,
  NAMESPACE_SCOPES,
  SOCKET_EVENT_SCOPES,
  type SocketData,
  type SocketNamespace,
} from "./sockets.js";

/** The server's side of a connection, as far as these tests look at it. */
interface ServerSocket {
  data: SocketData;
  rooms: Set<string>;
  on(event: string, listener: () => void): void;
}

/** How one event is exercised; every event of `SOCKET_EVENT_SCOPES` needs one (checked below and by the type). */
interface Row {
  /** Who connects: a user, or the site's gateway credential (uplink and downlink need a site-bound machine). */
  as: "user" | "gateway";
  /** Whether the event carries an acknowledgement. */
  ack: boolean;
  /** A valid request, new on each call, so that a handler that ran leaves its trace. */
  request(): unknown;
  /** Whether the handler left its trace for this request (stored rows, a joined room); absent for pure reads. */
  trace?(request: unknown, socket: ServerSocket): Promise<boolean>;
}

type Rows = { [N in SocketNamespace]: Record<keyof (typeof SOCKET_EVENT_SCOPES)[N], Row> };

/** The complete list, derived from the map: a new event there fails here until it has a row. */
const EVENTS: { namespace: SocketNamespace; event: string; scope: Scope }[] = (
  Object.keys(SOCKET_EVENT_SCOPES) as SocketNamespace[]
).flatMap((namespace) =>
  Object.entries(SOCKET_EVENT_SCOPES[namespace]).map(([event, scope]) => ({ namespace, event, scope })),
);

describe.each(PROVIDERS_UNDER_TEST)("socket event scopes on %s", (provider) => {
  let t: TestCloud;
  let siteId: string;
  let gateway: MachineCredentialCreated;
  const sockets: Socket[] = [];

  const deskEvent = (): UplinkEvent => {
    const at = Date.now();
    return {
      id: `${randomBytes(6).toString("hex")}:1`,
      siteId: "hq",
      at,
      type: "desk-state",
      state: { deskId: "d-scopes", floorId: "floor-1", status: "occupied", since: at },
    };
  };
  const gatewayState = async (): Promise<GatewayLinkState | undefined> =>
    ((await t.admin.get(`/api/v1/sites/${siteId}/gateways`)).json as { items: GatewayLinkState[] }).items.find(
      (item) => item.credentialId === gateway.credential.id,
    );

  const rows: Rows = {
    "/live": {
      "live:subscribe": {
        as: "user",
        ack: true,
        request: () => ({ siteId: "hq" }),
        trace: (_request, socket) => Promise.resolve(socket.rooms.has(`site:${siteId}`)),
      },
    },
    "/gateway": {
      "plans:fetch": { as: "gateway", ack: true, request: () => ({ siteId: "hq" }) },
      "downlink:snapshot": { as: "gateway", ack: true, request: () => ({ siteId: "hq" }) },
      "uplink:batch": {
        as: "gateway",
        ack: true,
        request: () => ({ events: [deskEvent()] }),
        trace: async (request) => {
          const [event] = (request as { events: UplinkEvent[] }).events;
          return (await t.cloud.database.db.occupancyEvent.count({ where: { eventId: event!.id } })) > 0;
        },
      },
      "uplink:status": {
        as: "gateway",
        ack: false,
        request: () => ({
          siteId: "hq",
          outboxDepth: 1_000 + Math.floor(Math.random() * 1_000_000),
          oldestUnsentAt: null,
          droppedTotal: 0,
        }),
        trace: async (request) =>
          (await gatewayState())?.outboxDepth === (request as { outboxDepth: number }).outboxDepth,
      },
    },
  };
  const rowOf = (namespace: SocketNamespace, event: string): Row => {
    const row = (rows[namespace] as Record<string, Row | undefined>)[event];
    if (!row) throw new Error(`no row for ${namespace} ${event}: add one to the table`);
    return row;
  };

  const connect = (namespace: string, token: string): Promise<Socket> =>
    connectSocket(t.cloud, namespace, token, sockets);
  const serverSide = (namespace: string, client: Socket): ServerSocket => {
    const socket = t.cloud.realtime.io.of(namespace).sockets.get(client.id!);
    if (!socket) throw new Error(`no server socket for ${client.id}`);
    return socket;
  };

  /**
   * A socket whose principal holds exactly `scopes`. With a user token that holds the namespace's scope, it is a real
   * token; otherwise (the gateway's credential, or scopes without the namespace's, which no handshake admits) the
   * socket connects with its credential and the principal it holds is narrowed on the server, so that the event
   * check is tested on its own.
   */
  async function socketWith(
    namespace: SocketNamespace,
    row: Row,
    scopes: readonly Scope[],
  ): Promise<{ client: Socket; server: ServerSocket }> {
    const namespaceScope = NAMESPACE_SCOPES[namespace];
    if (row.as === "user" && scopes.includes(namespaceScope)) {
      const client = await connect(namespace, (await t.clientWith(scopes)).token!);
      return { client, server: serverSide(namespace, client) };
    }
    const token = row.as === "gateway" ? gateway.secret : (await t.clientWith([namespaceScope, ...scopes])).token!;
    const client = await connect(namespace, token);
    const server = serverSide(namespace, client);
    server.data.principal = { ...server.data.principal, scopes };
    return { client, server };
  }

  /** Sends the event; returns its ack, or for an event without one, waits until the server has taken it. */
  async function send(client: Socket, event: string, row: Row, request: unknown): Promise<Ack<unknown> | undefined> {
    if (row.ack) return (await client.timeout(10_000).emitWithAck(event, request)) as Ack<unknown>;
    client.emit(event, request);
    // A socket's packets are taken in order and the guard answers at once: once this is answered (refused, as an
    // unknown event), the event before it went through the guard and, if admitted, to its handlers.
    expect(await client.timeout(10_000).emitWithAck("test:barrier")).toEqual(eventRefusal("test:barrier", undefined));
    return undefined;
  }
  async function until(check: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  beforeAll(async () => {
    t = await startTestCloud(provider);
    siteId = ((await t.admin.get("/api/v1/sites")).json as { items: { id: string }[] }).items[0]!.id;
    gateway = (await t.admin.post("/api/v1/machine-credentials", { siteId, kind: "gateway", name: "gw-scopes" }))
      .json as MachineCredentialCreated;
  });
  afterEach(() => {
    sockets.splice(0).forEach((socket) => socket.close());
  });
  afterAll(() => t?.stop());

  it("has a row for every event of every namespace, and the map names every event", () => {
    expect(EVENTS.length).toBeGreaterThanOrEqual(5);
    for (const namespace of Object.keys(rows) as SocketNamespace[]) {
      expect(Object.keys(rows[namespace]).sort()).toEqual(Object.keys(SOCKET_EVENT_SCOPES[namespace]).sort());
    }
    expect(Object.keys(rows).sort()).toEqual(Object.keys(SOCKET_EVENT_SCOPES).sort());
  });

  it.each(EVENTS)(
    "$namespace $event: refused without $scope (handler untouched), admitted with it alone",
    async ({ namespace, event, scope }) => {
      const row = rowOf(namespace, event);

      const refused = await socketWith(
        namespace,
        row,
        ALL_SCOPES.filter((other) => other !== scope),
      );
      let handled = 0;
      refused.server.on(event, () => (handled += 1));
      const request = row.request();
      const reply = await send(refused.client, event, row, request);
      if (row.ack) expect(reply).toEqual(eventRefusal(event, scope));
      expect(handled).toBe(0);
      if (row.trace) expect(await row.trace(request, refused.server)).toBe(false);
      expect(refused.client.connected).toBe(true);

      const admitted = await socketWith(namespace, row, [scope]);
      admitted.server.on(event, () => (handled += 1));
      const second = row.request();
      const answer = await send(admitted.client, event, row, second);
      expect(handled).toBe(1);
      if (row.ack) expect(answer).toMatchObject({ ok: true });
      if (row.trace) expect(await until(() => row.trace!(second, admitted.server))).toBe(true);
    },
  );

  it.each(Object.keys(SOCKET_EVENT_SCOPES) as SocketNamespace[])(
    "%s refuses events it does not list, also another namespace's and Object.prototype's names",
    async (namespace) => {
      const other = (Object.keys(SOCKET_EVENT_SCOPES) as SocketNamespace[]).find((name) => name !== namespace)!;
      const foreign = Object.keys(SOCKET_EVENT_SCOPES[other])[0]!;
      const row: Row = { as: namespace === "/gateway" ? "gateway" : "user", ack: true, request: () => ({}) };
      const { client, server } = await socketWith(namespace, row, ALL_SCOPES);
      for (const event of [foreign, "no:such:event", "constructor", "toString", "hasOwnProperty"]) {
        let handled = 0;
        server.on(event, () => (handled += 1));
        expect(await client.timeout(10_000).emitWithAck(event, { siteId: "hq" })).toEqual(
          eventRefusal(event, undefined),
        );
        expect(handled).toBe(0);
      }
    },
  );
});
