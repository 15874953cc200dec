import {
  ERROR_CODES,
  KIOSK_NAMESPACE,
  KioskDelta,
  KioskSnapshot,
  PROTOCOL_VERSION,
  type KioskAuth,
  type KioskClientToServerEvents,
  type KioskServerToClientEvents,
} from "@desksharing/protocol";
import { io, type Socket } from "socket.io-client";

import type { KioskStore } from "../model/kiosk-store.js";

/** A refused kiosk asks again this often, so that registering it at the edge is enough to bring it up. */
const REFUSED_RETRY_MS = 60_000;
const RESYNC_TIMEOUT_MS = 10_000;

export interface KioskConnection {
  close(): void;
}

/**
 * Connects the store to the edge's `/kiosk` namespace on the origin that served the page: snapshot on connect,
 * numbered deltas, a resync when a gap is seen, reconnection with socket.io's backoff. Everything received is
 * validated before it reaches the store.
 */
export function connectKiosk(store: KioskStore, token: string | null, origin?: string): KioskConnection {
  if (token === null) {
    store.refused("unauthorised");
    return { close: () => undefined };
  }
  const auth: KioskAuth = { token, protocolVersion: PROTOCOL_VERSION };
  const url = origin === undefined ? KIOSK_NAMESPACE : new URL(KIOSK_NAMESPACE, origin).toString();
  const socket: Socket<KioskServerToClientEvents, KioskClientToServerEvents> = io(url, { auth });
  let retry: ReturnType<typeof setTimeout> | undefined;

  const resync = () => {
    socket.timeout(RESYNC_TIMEOUT_MS).emit("floor:resync", (err, reply) => {
      if (err !== null) {
        // The edge did not answer: drop the link, reconnecting brings a fresh snapshot.
        socket.disconnect().connect();
        return;
      }
      const snapshot = reply.ok ? KioskSnapshot.safeParse(reply.data) : null;
      if (snapshot?.success === true) store.snapshot(snapshot.data);
      else console.error("kiosk: resync refused or invalid", reply.ok ? snapshot?.error.message : reply.error);
    });
  };

  socket.on("connect", () => store.connected());
  socket.on("floor:snapshot", (raw: unknown) => {
    const snapshot = KioskSnapshot.safeParse(raw);
    if (snapshot.success) store.snapshot(snapshot.data);
    else console.error("kiosk: invalid snapshot", snapshot.error.message);
  });
  socket.on("floor:delta", (raw: unknown) => {
    const delta = KioskDelta.safeParse(raw);
    if (!delta.success) {
      console.error("kiosk: invalid delta", delta.error.message);
      resync();
      return;
    }
    if (store.delta(delta.data)) resync();
  });
  socket.io.on("ping", () => store.heartbeat());
  socket.on("disconnect", (reason) => {
    store.lost();
    // Only a server-side disconnect stops socket.io from reconnecting; ask again (a revoked kiosk is then refused).
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (err: Error & { data?: { code?: unknown } }) => {
    const code = err.data?.code;
    if (code === ERROR_CODES.UNAUTHENTICATED || code === ERROR_CODES.FORBIDDEN) store.refused("unauthorised");
    else if (code === ERROR_CODES.CLIENT_TOO_OLD) store.refused("incompatible");
    else store.lost();
    if (!socket.active) retry = setTimeout(() => socket.connect(), REFUSED_RETRY_MS);
  });

  return {
    close: () => {
      clearTimeout(retry);
      socket.close();
    },
  };
}
