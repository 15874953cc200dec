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
} from "@desksharing/protocol";

import type { FloorPlanRepository } from "../db/repositories/floor-plans.js";
import { hasScope, type Principal, type Scope } from "../domain/principal.js";
import type { Authenticator } from "../http/auth.js";

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
  /** Origins allowed on /live; the server's own origin is added by the caller. */
  liveOrigins: () => readonly string[];
  logger: Logger;
  now: () => Date;
}

export interface Realtime {
  io: Server;
  planPublished(orgId: string, event: PlanPublished): void;
  close(): Promise<void>;
}

/**
 * Authentication runs once per connection, at the handshake, with the same authenticator as REST. The token
 * travels in `auth`, never in the query string.
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
        if (!hasScope(principal, scope)) return next(refusal(ERROR_CODES.FORBIDDEN, `needs the '${scope}' scope`));
        (socket.data as SocketData).principal = principal;
        void socket.join(orgRoom(principal.orgId));
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
  live.use(authMiddleware(authenticator, "live:read", now));

  const gateway: GatewayNamespace = io.of(GATEWAY_NAMESPACE);
  gateway.use(authMiddleware(authenticator, "gateway:connect", now));
  gateway.on("connection", (socket) => {
    socket.on("plans:fetch", (request, ack) => {
      if (typeof ack !== "function") return;
      const parsed = PublishedPlansRequest.safeParse(request);
      if (!parsed.success) {
        ack(fail({ code: ERROR_CODES.VALIDATION_FAILED, message: "expected { siteId }" }));
        return;
      }
      const { principal } = socket.data;
      floorPlans.publishedForSiteKey(principal.orgId, parsed.data.siteId).then(
        (plans) => {
          if (!plans) ack(fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" }));
          else
            ack(
              ok({
                siteId: parsed.data.siteId,
                plans: plans.map((plan) => ({ version: plan.version, plan: plan.document })),
              }),
            );
        },
        (error: unknown) => {
          logger.error({ err: error }, "plans:fetch failed");
          ack(fail({ code: ERROR_CODES.INTERNAL, message: "internal error" }));
        },
      );
    });
  });

  return {
    io,
    planPublished(orgId, event) {
      live.to(orgRoom(orgId)).emit("plan:published", event);
      gateway.to(orgRoom(orgId)).emit("plan:published", event);
    },
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
      }),
  };
}
