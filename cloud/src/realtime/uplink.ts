import type { Logger } from "pino";
import type { Socket } from "socket.io";

import {
  ERROR_CODES,
  fail,
  GatewayLinkStatus,
  ok,
  UplinkBatch,
  type Ack,
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
  type OccupancyChanged,
  type UplinkBatchResult,
} from "@desksharing/protocol";

import type { OccupancyRepository } from "../db/repositories/occupancy.js";
import type { SiteRepository } from "../db/repositories/sites.js";
import { firstOfEachId, futureEvents } from "../domain/uplink-batch.js";
import type { Principal } from "../identity/scopes.js";
import type { UplinkMetrics } from "./uplink-metrics.js";

export interface GatewaySocketData {
  principal: Principal;
}

export type GatewaySocket = Socket<
  GatewayLinkClientToServerEvents,
  GatewayServerToClientEvents,
  Record<never, never>,
  GatewaySocketData
>;

export interface UplinkDeps {
  sites: SiteRepository;
  occupancy: OccupancyRepository;
  metrics: UplinkMetrics;
  logger: Logger;
  now: () => Date;
  /** Tells the site's live browsers what changed (after the commit). */
  changed(siteId: string, change: OccupancyChanged): void;
}

interface GatewaySite {
  id: string;
  key: string;
}

/** The one site a gateway credential is bound to; users and unbound credentials have none. */
async function siteOf(sites: SiteRepository, principal: Principal): Promise<GatewaySite | null> {
  if (principal.kind !== "machine" || principal.siteIds === "all" || principal.siteIds.length !== 1) return null;
  const site = await sites.get(principal.orgId, principal.siteIds[0]!);
  return site && { id: site.id, key: site.key };
}

const refused = (code: keyof typeof ERROR_CODES, message: string, details?: unknown): Ack<never> =>
  fail({ code: ERROR_CODES[code], message, ...(details !== undefined ? { details } : {}) });

/**
 * The edge's outbox arrives here. A batch is all or nothing: it is refused whole when any event is invalid or names
 * another site than the credential's, else stored in one transaction and acknowledged after the commit with how
 * many events were new; the edge deletes them from its outbox only then (at least once there, exactly once here).
 */
export function attachUplink(socket: GatewaySocket, deps: UplinkDeps): void {
  const { principal } = socket.data;
  const log = deps.logger.child({ gateway: principal.id });
  const site = siteOf(deps.sites, principal);
  // A failed lookup is answered per event below; here it must not become an unhandled rejection.
  site.catch(() => undefined);

  const touch = (status?: GatewayLinkStatus): void => {
    void site
      .then(
        (own) =>
          own &&
          deps.occupancy.recordContact(
            principal.orgId,
            { id: principal.id, siteId: own.id },
            deps.now().getTime(),
            status,
          ),
      )
      .catch((error: unknown) => log.warn({ err: error }, "cannot record the gateway's contact"));
  };
  touch();
  socket.on("disconnect", () => touch());

  const storeBatch = async (request: unknown): Promise<Ack<UplinkBatchResult>> => {
    // The scope was checked before this handler ran (sockets.ts); the sender must also be bound to one site.
    const own = await site;
    if (!own) {
      deps.metrics.refused.inc({ reason: "not_a_gateway" });
      return refused("FORBIDDEN", "only a gateway credential bound to a site may send uplink events");
    }
    const parsed = UplinkBatch.safeParse(request);
    if (!parsed.success) {
      deps.metrics.refused.inc({ reason: "invalid" });
      const details = parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path, message: issue.message }));
      return refused("VALIDATION_FAILED", "the batch is not valid; nothing was stored", details);
    }
    const events = parsed.data.events;
    const foreign = events.findIndex((event) => event.siteId !== own.key);
    if (foreign >= 0) {
      deps.metrics.refused.inc({ reason: "foreign_site" });
      return refused("FORBIDDEN", `event ${foreign} is for another site than this gateway's; nothing was stored`);
    }
    const receivedAt = deps.now().getTime();
    const future = futureEvents(events, receivedAt);
    if (future.length > 0) {
      deps.metrics.refused.inc({ reason: "future" });
      return refused("VALIDATION_FAILED", "events stamped more than 10 minutes ahead; nothing was stored", {
        events: future,
      });
    }
    deps.metrics.received.inc(events.length);
    const unique = firstOfEachId(events);
    const stopTimer = deps.metrics.storeSeconds.startTimer();
    const result = await deps.occupancy.storeBatch(principal.orgId, {
      gatewayId: principal.id,
      siteId: own.id,
      siteKey: own.key,
      events: unique,
      receivedAt,
    });
    stopTimer();
    const duplicates = result.duplicates + events.length - unique.length;
    deps.metrics.stored.inc(result.stored);
    deps.metrics.duplicates.inc(duplicates);
    if (result.change) deps.changed(own.id, result.change);
    return ok({ stored: result.stored, duplicates });
  };

  socket.on("uplink:batch", (request, ack) => {
    if (typeof ack !== "function") return;
    storeBatch(request).then(ack, (error: unknown) => {
      log.error({ err: error }, "uplink batch failed");
      ack(refused("UNAVAILABLE", "the batch could not be stored; send it again"));
    });
  });

  socket.on("uplink:status", (request) => {
    const parsed = GatewayLinkStatus.safeParse(request);
    void site.then((own) => {
      if (!own || !parsed.success || parsed.data.siteId !== own.key) return;
      touch(parsed.data);
    });
  });
}
