import type {
  DeskState,
  KioskClientToServerEvents,
  KioskServerToClientEvents,
  KioskSnapshot,
  RoomState,
} from "@desksharing/protocol";
import { ERROR_CODES, KIOSK_NAMESPACE, KioskAuth, ok, PROTOCOL_VERSION } from "@desksharing/protocol";
import type { Namespace, Server } from "socket.io";

import type { TargetState } from "../domain/occupancy.js";
import { toDeskState, toRoomState } from "../gateway.js";

/** Changes are gathered for this long before one delta goes out. */
const COALESCE_MS = 50;

export interface KioskFeed {
  /** Queues changed desks and rooms for the next delta. */
  publish(changed: readonly TargetState[]): void;
  /** Sends every kiosk a fresh snapshot (the plans or the site's settings changed). */
  refresh(): void;
  /** Asks `authorise` again for every connected kiosk and disconnects those refused now; returns how many. */
  reauthorise(): number;
  clients(): number;
  close(): void;
}

export interface KioskFeedOptions {
  /** Whether the token belongs to a kiosk of this site (asked at connect and again by `reauthorise`). */
  authorise(token: string): boolean;
  snapshot(): Omit<KioskSnapshot, "seq">;
  /** Gateway time for deltas. */
  now(): number;
}

function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * `/kiosk`: a kiosk presents its own token in the handshake `auth`; it then gets a snapshot and numbered deltas
 * (seq + 1 each). A kiosk that sees a gap asks `floor:resync` for a fresh snapshot.
 */
export function attachKioskNamespace(io: Server, options: KioskFeedOptions): KioskFeed {
  const nsp: Namespace<KioskClientToServerEvents, KioskServerToClientEvents> = io.of(KIOSK_NAMESPACE);
  let seq = 0;
  const pendingDesks = new Map<string, DeskState>();
  const pendingRooms = new Map<string, RoomState>();
  let timer: NodeJS.Timeout | null = null;

  const snapshot = (): KioskSnapshot => ({ ...options.snapshot(), seq });

  nsp.use((socket, next) => {
    const auth = KioskAuth.safeParse(socket.handshake.auth);
    if (!auth.success || !options.authorise(auth.data.token)) {
      next(refusal(ERROR_CODES.UNAUTHENTICATED, "unknown or missing kiosk credential"));
      return;
    }
    if (auth.data.protocolVersion < PROTOCOL_VERSION) {
      next(refusal(ERROR_CODES.CLIENT_TOO_OLD, `protocol ${auth.data.protocolVersion} < ${PROTOCOL_VERSION}`));
      return;
    }
    if (auth.data.protocolVersion > PROTOCOL_VERSION) {
      next(refusal(ERROR_CODES.SERVER_TOO_OLD, `protocol ${auth.data.protocolVersion} > ${PROTOCOL_VERSION}`));
      return;
    }
    next();
  });

  nsp.on("connection", (socket) => {
    socket.emit("floor:snapshot", snapshot());
    socket.on("floor:resync", (ack) => {
      if (typeof ack === "function") ack(ok(snapshot()));
    });
  });

  const flush = (): void => {
    timer = null;
    if (pendingDesks.size + pendingRooms.size === 0) return;
    seq += 1;
    const delta = { seq, at: options.now(), desks: [...pendingDesks.values()], rooms: [...pendingRooms.values()] };
    pendingDesks.clear();
    pendingRooms.clear();
    nsp.emit("floor:delta", delta);
  };

  return {
    publish(changed) {
      for (const target of changed) {
        if (target.kind === "desk") pendingDesks.set(target.id, toDeskState(target));
        else pendingRooms.set(target.id, toRoomState(target));
      }
      timer ??= setTimeout(flush, COALESCE_MS);
    },
    refresh() {
      if (nsp.sockets.size > 0) nsp.emit("floor:snapshot", snapshot());
    },
    reauthorise() {
      let dropped = 0;
      for (const socket of nsp.sockets.values()) {
        const auth = KioskAuth.safeParse(socket.handshake.auth);
        if (auth.success && options.authorise(auth.data.token)) continue;
        socket.disconnect(true);
        dropped += 1;
      }
      return dropped;
    },
    clients: () => nsp.sockets.size,
    close() {
      if (timer !== null) clearTimeout(timer);
      nsp.disconnectSockets(true);
    },
  };
}
