import type { Server as HttpsServer } from "node:https";

import type { Logger } from "pino";
import type { Registry } from "prom-client";
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
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
  type LiveOccupancyClientToServerEvents,
  type LiveOccupancyServerToClientEvents,
  type OccupancyChanged,
  type PlanPublished,
  type Ack,
  type DownlinkPart,
  type PublishedPlans,
} from "@desksharing/protocol";

import { roomsOf } from "../access/accounts.js";
import type { FloorPlanRepository } from "../db/repositories/floor-plans.js";
import type { OccupancyRepository } from "../db/repositories/occupancy.js";
import type { SiteRepository } from "../db/repositories/sites.js";
import type { Authenticator } from "../http/auth.js";
import { authorize, SCOPES, subjectOf, type Principal, type Scope } from "../identity/scopes.js";
import { attachDownlink, type DownlinkSource, type DownlinkTarget } from "./downlink.js";
import { siteRoom, subscribe } from "./live-occupancy.js";
import { attachUplink } from "./uplink.js";
import { createUplinkMetrics } from "./uplink-metrics.js";

export interface SocketData {
  principal: Principal;
}

type LiveNamespace = Namespace<
  LiveOccupancyClientToServerEvents,
  LiveOccupancyServerToClientEvents,
  Record<never, never>,
  SocketData
>;
type GatewayNamespace = Namespace<
  GatewayLinkClientToServerEvents,
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
  occupancy: OccupancyRepository;
  /** Floor plans, settings and kiosk credentials a site's edge caches. */
  downlink: DownlinkSource;
  /** The registry `/metrics` serves; the uplink adds its counters. */
  metrics: Registry;
  /** Origins allowed on /live; the server's own origin is added by the caller. */
  liveOrigins: () => readonly string[];
  logger: Logger;
  now: () => Date;
  /** The sites' clock for occupancy event times (differs from `now` only when a demo runs the clock faster). */
  occupancyNow?: () => Date;
}

export interface Realtime {
  io: Server;
  planPublished(orgId: string, event: PlanPublished): void;
  /**
   * Tells the gateways of the target sites (on any instance) that these parts of their downlink changed, with the
   * new revisions; call after the change is stored. Fire and forget: a failure is logged.
   */
  downlinkChanged(orgId: string, parts: readonly DownlinkPart[], target: DownlinkTarget): void;
  /** Ids of the machine credentials with a `/gateway` socket on any instance. */
  connectedGateways(orgId: string): Promise<Set<string>>;
  /** Drops the sockets in these rooms (a revoked session, user or machine), on every instance; "all" drops all. */
  disconnect(rooms: string[] | "all"): void;
  close(): Promise<void>;
}

/**
 * What each client-to-server event needs, per namespace: the socket counterpart of the route table. Typed over the
 * protocol's event maps, so an event added there does not compile until it is named here; `eventGuard` checks it
 * on every event before any handler runs, and refuses an event that is not listed (or listed for another namespace).
 */
export const SOCKET_EVENT_SCOPES = {
  [LIVE_NAMESPACE]: {
    "live:subscribe": SCOPES.OCCUPANCY_READ,
  },
  [GATEWAY_NAMESPACE]: {
    "plans:fetch": SCOPES.GATEWAY_SYNC,
    "downlink:snapshot": SCOPES.GATEWAY_SYNC,
    "uplink:batch": SCOPES.GATEWAY_SYNC,
    "uplink:status": SCOPES.GATEWAY_SYNC,
  },
} as const satisfies {
  [LIVE_NAMESPACE]: Record<keyof LiveOccupancyClientToServerEvents, Scope>;
  [GATEWAY_NAMESPACE]: Record<keyof GatewayLinkClientToServerEvents, Scope>;
};

/** Namespaces and the scope a handshake needs. */
export const NAMESPACE_SCOPES = {
  [LIVE_NAMESPACE]: SCOPES.LIVE_READ,
  [GATEWAY_NAMESPACE]: SCOPES.GATEWAY_SYNC,
} as const satisfies Record<keyof typeof SOCKET_EVENT_SCOPES, Scope>;

export type SocketNamespace = keyof typeof SOCKET_EVENT_SCOPES;

/** The answer to an event refused by `eventGuard`, also what tests compare against. */
export function eventRefusal(event: unknown, scope: Scope | undefined): Ack<never> {
  return fail({
    code: ERROR_CODES.FORBIDDEN,
    message:
      scope === undefined ? `unknown event '${String(event).slice(0, 64)}'` : `this event needs the '${scope}' scope`,
  });
}

/**
 * The one check of socket events, installed on every socket of every namespace (`secure`). socket.io runs socket
 * middleware before the `socket.on` listeners, so a refused event reaches no handler; the caller's ack, if it
 * asked for one, gets the refusal. (`onAny` listeners run before middleware: handlers must not use them.)
 */
function eventGuard(
  socket: Socket<Record<never, never>, Record<never, never>, Record<never, never>, SocketData>,
  events: Readonly<Record<string, Scope>>,
  logger: Logger,
): void {
  socket.use(([event, ...args], next) => {
    // Own keys only: a name such as "constructor" must not find something on Object.prototype.
    const scope = typeof event === "string" && Object.hasOwn(events, event) ? events[event] : undefined;
    const { principal } = socket.data;
    if (scope !== undefined && authorize(principal, { scopes: [scope] }).ok) {
      next();
      return;
    }
    // The name is the client's, so only its start is logged.
    logger.info(
      { event: String(event).slice(0, 64), subject: subjectOf(principal), needs: scope ?? null },
      "socket event refused",
    );
    const ack: unknown = args.at(-1);
    if (typeof ack === "function") (ack as (reply: Ack<never>) => void)(eventRefusal(event, scope));
  });
}

/** setTimeout fires at once for delays above 2^31 − 1 ms (~24.8 days), so longer expiries are waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Drops the socket when its principal's credential lapses (judged by `now`, rechecked after each step). */
function dropAtExpiry(socket: Socket, expiresAt: Date, now: () => Date): void {
  let timer: NodeJS.Timeout;
  const wait = (): void => {
    timer = setTimeout(check, Math.min(Math.max(0, expiresAt.getTime() - now().getTime()), MAX_TIMER_MS));
  };
  const check = (): void => {
    if (expiresAt.getTime() <= now().getTime()) socket.disconnect(true);
    else wait();
  };
  wait();
  socket.once("disconnect", () => clearTimeout(timer));
}

/**
 * Authentication runs once per connection, at the handshake, with the same authenticator as REST. The token
 * travels in `auth`, never in the query string. Since nothing checks the token again, the socket joins the rooms of
 * its user, session or machine (revocations disconnect those rooms) and is dropped when its credential lapses.
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
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

/**
 * What every namespace gets, so that none can be opened without it: the handshake check with its scope, then on
 * each socket the event guard and the drop at expiry. Call before registering the namespace's handlers.
 */
function secure(
  // Loosely typed on purpose: the guard reads only an event's name and trailing ack, whatever the namespace's events.
  namespace: Namespace<Record<never, never>, Record<never, never>, Record<never, never>, SocketData>,
  name: SocketNamespace,
  deps: { authenticator: Authenticator; now: () => Date; logger: Logger },
): void {
  namespace.use(authMiddleware(deps.authenticator, NAMESPACE_SCOPES[name], deps.now));
  namespace.on("connection", (socket) => {
    eventGuard(socket, SOCKET_EVENT_SCOPES[name], deps.logger);
    const { expiresAt } = socket.data.principal;
    if (expiresAt !== undefined) dropAtExpiry(socket, expiresAt, deps.now);
  });
}

export function createRealtime({
  server,
  authenticator,
  floorPlans,
  sites,
  occupancy,
  downlink,
  metrics,
  liveOrigins,
  logger,
  now,
  occupancyNow,
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
  secure(live, LIVE_NAMESPACE, { authenticator, now, logger });
  live.on("connection", (socket) => {
    socket.on("live:subscribe", (request, ack) => {
      if (typeof ack !== "function") return;
      subscribe(socket, { sites, occupancy }, request).then(ack, (error: unknown) => {
        logger.error({ err: error }, "live:subscribe failed");
        ack(fail({ code: ERROR_CODES.INTERNAL, message: "internal error" }));
      });
    });
  });

  const gateway: GatewayNamespace = io.of(GATEWAY_NAMESPACE);
  secure(gateway, GATEWAY_NAMESPACE, { authenticator, now, logger });
  const answerPlansFetch = async (principal: Principal, request: unknown): Promise<Ack<PublishedPlans>> => {
    const parsed = PublishedPlansRequest.safeParse(request);
    if (!parsed.success) return fail({ code: ERROR_CODES.VALIDATION_FAILED, message: "expected { siteId }" });
    const site = (await sites.list(principal.orgId)).find((candidate) => candidate.key === parsed.data.siteId);
    if (!site) return fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" });
    // The event's scope was checked by the guard; what is left is the credential's site.
    if (!authorize(principal, { scopes: [], siteId: site.id }).ok) {
      return fail({ code: ERROR_CODES.FORBIDDEN, message: "not allowed for this site" });
    }
    const plans = await floorPlans.publishedForSiteKey(principal.orgId, parsed.data.siteId);
    if (!plans) return fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" });
    return ok({
      siteId: parsed.data.siteId,
      plans: plans.map((plan) => ({ version: plan.version, plan: plan.document })),
    });
  };
  const uplinkMetrics = createUplinkMetrics(metrics, () => gateway.sockets.size);
  const changed = (siteId: string, change: OccupancyChanged): void => {
    live.to(siteRoom(siteId)).emit("occupancy:changed", change);
  };
  gateway.on("connection", (socket) => {
    attachUplink(socket, { sites, occupancy, metrics: uplinkMetrics, logger, now: occupancyNow ?? now, changed });
    attachDownlink(socket, { source: downlink, sites, logger });
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
    downlinkChanged(orgId, parts, target) {
      downlink.changes(orgId, target, parts).then(
        (notices) => {
          for (const { siteUuid, event } of notices) gateway.to(siteRoom(siteUuid)).emit("downlink:changed", event);
        },
        (error: unknown) => logger.error({ err: error, parts }, "cannot tell gateways about a downlink change"),
      );
    },
    async connectedGateways(orgId) {
      const sockets = await gateway.in(orgRoom(orgId)).fetchSockets();
      return new Set(
        sockets.filter((socket) => socket.data.principal.kind === "machine").map((socket) => socket.data.principal.id),
      );
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
