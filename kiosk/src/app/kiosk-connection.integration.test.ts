import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";

import {
  ERROR_CODES,
  KIOSK_NAMESPACE,
  KioskAuth,
  ok,
  type DeskState,
  type KioskClientToServerEvents,
  type KioskDelta,
  type KioskServerToClientEvents,
  type KioskSnapshot,
} from "@desksharing/protocol";
import { Server, type Namespace } from "socket.io";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { KioskState } from "../model/kiosk-state.js";
import { KioskStore } from "../model/kiosk-store.js";

import { connectKiosk, type KioskConnection } from "./kiosk-connection.js";

/**
 * The kiosk's socket adapter against a real socket.io server that speaks the `/kiosk` contract and lets the test
 * inject what the real edge cannot be made to do on demand: a lost delta, a malformed message.
 */
const TOKEN = "kiosk-token-0123456789abcdef";

const desk = (deskId: string, status: DeskState["status"]): DeskState => ({ deskId, floorId: "f1", status, since: 1 });

function snapshot(seq: number, desks: DeskState[]): KioskSnapshot {
  return { siteId: "hq", siteName: "Head office", seq, at: 1_000, plans: [], desks, rooms: [] };
}

function delta(seq: number, desks: DeskState[]): KioskDelta {
  return { seq, at: 2_000, desks, rooms: [] };
}

let http: HttpServer;
let io: Server;
let nsp: Namespace<KioskClientToServerEvents, KioskServerToClientEvents>;
let origin: string;
let current: KioskSnapshot;
let resyncs: number;
let handshakes: unknown[];
const connections: KioskConnection[] = [];

beforeEach(async () => {
  http = createServer();
  io = new Server(http);
  nsp = io.of(KIOSK_NAMESPACE);
  current = snapshot(1, [desk("d1", "free"), desk("d2", "free")]);
  resyncs = 0;
  handshakes = [];
  nsp.use((socket, next) => {
    handshakes.push(socket.handshake.auth);
    const auth = KioskAuth.safeParse(socket.handshake.auth);
    if (auth.success && auth.data.token === TOKEN) next();
    else next(Object.assign(new Error("unknown kiosk"), { data: { code: ERROR_CODES.UNAUTHENTICATED } }));
  });
  nsp.on("connection", (socket) => {
    socket.emit("floor:snapshot", current);
    socket.on("floor:resync", (ack) => {
      resyncs += 1;
      ack(ok(current));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await io.close();
});

function connect(store: KioskStore, token: string | null): void {
  connections.push(connectKiosk(store, token, origin));
}

function until(store: KioskStore, done: (state: KioskState) => boolean, timeoutMs = 5_000): Promise<KioskState> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = store.getState();
      if (!done(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out in phase ${store.getState().phase}`));
    }, timeoutMs);
    const unsubscribe = store.subscribe(check);
    check();
  });
}

describe("kiosk connection", () => {
  it("authenticates in the handshake auth and shows the snapshot", async () => {
    const store = new KioskStore();
    connect(store, TOKEN);
    const state = await until(store, (s) => s.phase === "live");
    expect(state.desks.get("d1")?.status).toBe("free");
    expect(handshakes).toEqual([{ token: TOKEN, protocolVersion: 1 }]);
  });

  it("applies numbered deltas and resyncs after a gap", async () => {
    const store = new KioskStore();
    connect(store, TOKEN);
    await until(store, (s) => s.phase === "live");
    nsp.emit("floor:delta", delta(2, [desk("d1", "occupied")]));
    await until(store, (s) => s.seq === 2);
    expect(store.getState().desks.get("d1")?.status).toBe("occupied");

    current = snapshot(4, [desk("d1", "occupied"), desk("d2", "pending-free")]);
    nsp.emit("floor:delta", delta(4, [desk("d2", "pending-free")]));
    const state = await until(store, (s) => s.seq === 4 && s.phase === "live");
    expect(resyncs).toBe(1);
    expect(state.desks.get("d2")?.status).toBe("pending-free");
  });

  it("resyncs when a delta does not match the contract", async () => {
    const store = new KioskStore();
    connect(store, TOKEN);
    await until(store, (s) => s.phase === "live");
    current = snapshot(7, [desk("d1", "offline")]);
    nsp.emit("floor:delta", { seq: 2, desks: "nonsense" } as unknown as KioskDelta);
    const state = await until(store, (s) => s.seq === 7);
    expect(resyncs).toBe(1);
    expect(state.desks.get("d1")?.status).toBe("offline");
  });

  it("is refused with a wrong credential and never gets a snapshot", async () => {
    const store = new KioskStore();
    const snapshots: unknown[] = [];
    nsp.on("connection", () => snapshots.push("connected"));
    connect(store, "wrong-token-0123456789abcdef");
    const state = await until(store, (s) => s.phase === "unauthorised");
    expect(state.seq).toBe(-1);
    expect(state.plans).toEqual([]);
    expect(snapshots).toEqual([]);
  });

  it("does not even try without a credential", async () => {
    const store = new KioskStore();
    connect(store, null);
    expect(store.getState().phase).toBe("unauthorised");
    await new Promise((resolve) => setImmediate(resolve));
    expect(handshakes).toEqual([]);
  });

  it("marks the state lost when the edge drops it and takes a new snapshot after reconnecting", async () => {
    const store = new KioskStore();
    connect(store, TOKEN);
    await until(store, (s) => s.phase === "live");
    current = snapshot(1, [desk("d1", "occupied"), desk("d2", "occupied")]);
    const lost = until(store, (s) => s.phase === "lost");
    nsp.disconnectSockets(true);
    await lost;
    const state = await until(store, (s) => s.phase === "live");
    expect(state.desks.get("d2")?.status).toBe("occupied");
    expect(handshakes.length).toBeGreaterThanOrEqual(2);
  });
});
