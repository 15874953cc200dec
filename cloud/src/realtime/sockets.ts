import type { Server as HttpsServer } from "node:https";

import type { Logger } from "pino";
import { Server, type Namespace, type Socket } from "socket.io";

import {
  CloudSocketAuth,
  ERROR_CODES,
  fail,
  GATEWAY_NAMESPACE,
  LIVE_NAMESPACE,
  ok,
  PROTOCOL_VERSION,
  PublishedPlansRequest,
  type ErrorCode,
  type GatewayClientToServerEvents,
  type GatewayServerToClientEvents,
  type LiveClientToServerEvents,
  type LiveServerToClientEvents,
  type PlanPublished,
  type Ack,
  type PublishedPlans,
} from "@desksharing/protocol";

import { roomsOf } from "../access/accounts.js";
import type { FloorPlanRepository } from "../db/repositories/floor-plans.js";
import type { SiteRepository } from "../db/repositories/sites.js";
import type { Authenticator } from "../http/auth.js";
import { msUntilExpiry } from "../identity/revocation.js";
import { authorize, SCOPES, type Principal, type Scope } from "../identity/scopes.js";

export interface SocketData {
  principal: Principal;
}

type LiveNamespace = Namespace<LiveClientToServerEvents, LiveServerToClientEvents, Record<never, never>, SocketData>;
type GatewayNamespace = Namespace<
  GatewayClientToServerEvents,
  GatewayServerToClientEvents,
  Record<never, never>,
  SocketData
>;

/** socket.io hands `err.data` to the client's connect_error, so the client sees the same codes as REST. */
function refusal(code: ErrorCode, message: string): Error & { data: { code: ErrorCode; message: string } } {
  return Object.assign(new Error(message), { data: { code, message } });
}

function orgRoom(orgId: string): string {
  return `org:${orgId}`;
}

export interface RealtimeDeps {
  server: HttpsServer;
  authenticator: Authenticator;
  floorPlans: FloorPlanRepository;
  sites: SiteRepository;
  /** Origins allowed on /live; the server's own origin is added by the caller. */
  liveOrigins: () => readonly string[];
  logger: Logger;
  now: () => Date;
}

export interface Realtime {
  io: Server;
  planPublished(orgId: string, event: PlanPublished): void;
  /** Drops the sockets in these rooms (a revoked session, user or machine), on every instance; "all" drops all. */
  disconnect(rooms: string[] | "all"): void;
  close(): Promise<void>;
}

/** What each client-to-server event needs; checked with `authorize` on every event, like routes are. */
export const SOCKET_EVENT_SCOPES = {
  "plans:fetch": SCOPES.GATEWAY_SYNC,
} as const satisfies Record<keyof GatewayClientToServerEvents, Scope>;

/** Namespaces and the scope a handshake needs. */
export const NAMESPACE_SCOPES = {
  [LIVE_NAMESPACE]: SCOPES.LIVE_READ,
  [GATEWAY_NAMESPACE]: SCOPES.GATEWAY_SYNC,
} as const;

/**
 * Authentication runs once per connection, at the handshake, with the same authenticator as REST. The token
 * travels in `auth`, never in the query string. Since nothing checks the token again, the socket joins the rooms of
 * its user, session or machine (revocations disconnect those rooms) and is dropped when its token expires.
 */
function authMiddleware(authenticator: Authenticator, scope: Scope, now: () => Date) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    const auth = CloudSocketAuth.safeParse(socket.handshake.auth);
    if (!auth.success) {
      next(refusal(ERROR_CODES.UNAUTHENTICATED, "handshake auth needs { token, protocolVersion }"));
      return;
    }
    if (auth.data.protocolVersion < PROTOCOL_VERSION) {
      next(refusal(ERROR_CODES.CLIENT_TOO_OLD, `protocol ${PROTOCOL_VERSION} is required`));
      return;
    }
    if (auth.data.protocolVersion > PROTOCOL_VERSION) {
      next(refusal(ERROR_CODES.SERVER_TOO_OLD, `this server speaks protocol ${PROTOCOL_VERSION}`));
      return;
    }
    authenticator.authenticate(auth.data.token, now()).then(
      (principal) => {
        if (!principal) return next(refusal(ERROR_CODES.UNAUTHENTICATED, "the token is invalid, expired or revoked"));
        if (!authorize(principal, { scopes: [scope] }).ok) {
          return next(refusal(ERROR_CODES.FORBIDDEN, `needs the '${scope}' scope`));
        }
        (socket.data as SocketData).principal = principal;
        void socket.join([orgRoom(principal.orgId), ...roomsOf(principal)]);
        if (principal.session) {
          const expiry = setTimeout(
            () => socket.disconnect(true),
            msUntilExpiry({ exp: principal.session.expiresAt.getTime() / 1000 }, now()),
          );
          socket.once("disconnect", () => clearTimeout(expiry));
        }
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

export function createRealtime({
  server,
  authenticator,
  floorPlans,
  sites,
  liveOrigins,
  logger,
  now,
}: RealtimeDeps): Realtime {
  const io = new Server<Record<never, never>, Record<never, never>, Record<never, never>, SocketData>(server, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    transports: ["websocket", "polling"],
  });

  const live: LiveNamespace = io.of(LIVE_NAMESPACE);
  // Browsers always send Origin on cross-site WebSocket and polling requests; a foreign one is a page on another
  // site riding the user's credentials. Clients that are not browsers send none and must still present a token.
  live.use((socket, next) => {
    const origin = socket.handshake.headers.origin;
    if (origin !== undefined && !liveOrigins().includes(origin)) {
      next(refusal(ERROR_CODES.FORBIDDEN, "origin not allowed"));
      return;
    }
    next();
  });
  live.use(authMiddleware(authenticator, NAMESPACE_SCOPES[LIVE_NAMESPACE], now));

  const gateway: GatewayNamespace = io.of(GATEWAY_NAMESPACE);
  gateway.use(authMiddleware(authenticator, NAMESPACE_SCOPES[GATEWAY_NAMESPACE], now));
  const answerPlansFetch = async (principal: Principal, request: unknown): Promise<Ack<PublishedPlans>> => {
    const parsed = PublishedPlansRequest.safeParse(request);
    if (!parsed.success) return fail({ code: ERROR_CODES.VALIDATION_FAILED, message: "expected { siteId }" });
    const site = (await sites.list(principal.orgId)).find((candidate) => candidate.key === parsed.data.siteId);
    if (!site) return fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" });
    if (!authorize(principal, { scopes: [SOCKET_EVENT_SCOPES["plans:fetch"]], siteId: site.id }).ok) {
      return fail({ code: ERROR_CODES.FORBIDDEN, message: "not allowed for this site" });
    }
    const plans = await floorPlans.publishedForSiteKey(principal.orgId, parsed.data.siteId);
    if (!plans) return fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" });
    return ok({
      siteId: parsed.data.siteId,
      plans: plans.map((plan) => ({ version: plan.version, plan: plan.document })),
    });
  };
  gateway.on("connection", (socket) => {
    socket.on("plans:fetch", (request, ack) => {
      if (typeof ack !== "function") return;
      answerPlansFetch(socket.data.principal, request).then(ack, (error: unknown) => {
        logger.error({ err: error }, "plans:fetch failed");
        ack(fail({ code: ERROR_CODES.INTERNAL, message: "internal error" }));
      });
    });
  });

  return {
    io,
    planPublished(orgId, event) {
      live.to(orgRoom(orgId)).emit("plan:published", event);
      gateway.to(orgRoom(orgId)).emit("plan:published", event);
    },
    disconnect(rooms) {
      for (const namespace of [live, gateway]) {
        if (rooms === "all") namespace.disconnectSockets(true);
        else if (rooms.length > 0) namespace.in(rooms).disconnectSockets(true);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
      }),
  };
}
