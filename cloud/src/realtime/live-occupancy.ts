import type { Socket } from "socket.io";

import {
  ERROR_CODES,
  fail,
  LiveSubscribeRequest,
  ok,
  type Ack,
  type LiveOccupancyClientToServerEvents,
  type LiveOccupancyServerToClientEvents,
  type LiveSubscribeResult,
  type Site,
} from "@desksharing/protocol";

import type { OccupancyRepository } from "../db/repositories/occupancy.js";
import type { SiteRepository } from "../db/repositories/sites.js";
import { authorize, type Principal } from "../identity/scopes.js";

export type LiveSocket = Socket<
  LiveOccupancyClientToServerEvents,
  LiveOccupancyServerToClientEvents,
  Record<never, never>,
  { principal: Principal }
>;

/** The room of one site's live occupancy; site ids are unique across organisations. */
export function siteRoom(siteId: string): string {
  return `site:${siteId}`;
}

/**
 * `live:subscribe` joins the browser to the rooms of the sites it may watch (its site limits, checked with
 * `authorize`; the event's `occupancy:read` was checked before this handler ran, in sockets.ts) and answers with
 * their current state; changes follow as `occupancy:changed`.
 */
export async function subscribe(
  socket: LiveSocket,
  deps: { sites: SiteRepository; occupancy: OccupancyRepository },
  request: unknown,
): Promise<Ack<LiveSubscribeResult>> {
  const { principal } = socket.data;
  const parsed = LiveSubscribeRequest.safeParse(request);
  if (!parsed.success) return fail({ code: ERROR_CODES.VALIDATION_FAILED, message: "expected { siteId? }" });
  const allowed = (site: Site): boolean => authorize(principal, { scopes: [], siteId: site.id }).ok;
  const all = await deps.sites.list(principal.orgId);
  let sites: Site[];
  if (parsed.data.siteId === undefined) sites = all.filter(allowed);
  else {
    const site = all.find((candidate) => candidate.key === parsed.data.siteId);
    if (!site) return fail({ code: ERROR_CODES.NOT_FOUND, message: "site not found" });
    if (!allowed(site)) return fail({ code: ERROR_CODES.FORBIDDEN, message: "not allowed for this site" });
    sites = [site];
  }
  await socket.join(sites.map((site) => siteRoom(site.id)));
  return ok({
    sites: await Promise.all(sites.map((site) => deps.occupancy.siteOccupancy(principal.orgId, site.id, site.key))),
  });
}
