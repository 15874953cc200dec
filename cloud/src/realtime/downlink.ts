import { createHash } from "node:crypto";

import type { Logger } from "pino";

import {
  DOWNLINK_PARTS,
  DownlinkSnapshotRequest,
  ERROR_CODES,
  fail,
  ok,
  type Ack,
  type DownlinkChanged,
  type DownlinkKioskCredentials,
  type DownlinkPart,
  type DownlinkPlans,
  type DownlinkRevisions,
  type DownlinkSettings,
  type DownlinkSnapshot,
} from "@desksharing/protocol";

import type { FloorPlanRepository } from "../db/repositories/floor-plans.js";
import type { MachineCredentialRepository } from "../db/repositories/machine-credentials.js";
import type { OrganisationRepository } from "../db/repositories/organisations.js";
import type { SiteRepository } from "../db/repositories/sites.js";
import type { Principal } from "../identity/scopes.js";
import { siteRoom } from "./live-occupancy.js";
import type { GatewaySocket } from "./uplink.js";

export interface DownlinkDeps {
  sites: SiteRepository;
  floorPlans: FloorPlanRepository;
  organisations: OrganisationRepository;
  machineCredentials: MachineCredentialRepository;
  now: () => Date;
}

interface DownlinkSite {
  id: string;
  key: string;
  name: string;
  timeZone: string;
}

/** Which sites of the organisation a change touches. */
export type DownlinkTarget = "all" | { id: string } | { key: string };

/** Equal content, equal revision: the first 128 bits of the SHA-256 of the part's JSON, base64url. */
export function revisionOf(content: unknown): string {
  return createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
}

/** Published versions never change (only drafts do), so which version each floor publishes is the plans' content. */
function plansRevision(published: readonly { floorId: string; version: number }[]): string {
  return revisionOf(published.map((floor) => `${floor.floorId}:${floor.version}`).sort());
}

/**
 * What a site's edge keeps for outages (protocol `realtime/downlink.ts`), read for one site of one organisation:
 * callers pass the site they resolved within the organisation, so nothing of another site or tenant is reachable.
 */
export class DownlinkSource {
  constructor(private readonly deps: DownlinkDeps) {}

  /** Revisions without reading plan documents (the floors' published version numbers stand for them). */
  async revision(orgId: string, site: DownlinkSite, part: DownlinkPart): Promise<string | null> {
    switch (part) {
      case "plans": {
        const floors = await this.deps.sites.floors(orgId, site.id);
        return plansRevision(
          floors.flatMap((floor) =>
            floor.publishedVersion === null ? [] : [{ floorId: floor.id, version: floor.publishedVersion }],
          ),
        );
      }
      case "settings":
        return (await this.settings(orgId, site))?.revision ?? null;
      case "kioskCredentials":
        return (await this.kioskCredentials(orgId, site)).revision;
    }
  }

  async plans(orgId: string, site: DownlinkSite): Promise<DownlinkPlans | null> {
    const published = await this.deps.floorPlans.publishedForSite(orgId, site.id);
    if (!published) return null;
    return {
      revision: plansRevision(published),
      floors: published.map((floor) => ({ version: floor.version, plan: floor.document })),
    };
  }

  async settings(orgId: string, site: DownlinkSite): Promise<DownlinkSettings | null> {
    const settings = await this.deps.organisations.settings(orgId);
    if (!settings) return null;
    const { showNamesOnKiosk, anonymiseBookingsAfterDays, readingRetentionDays } = settings.privacy;
    const content = {
      site: { name: site.name, timeZone: site.timeZone },
      bookingRules: settings.bookingRules,
      privacy: { showNamesOnKiosk, anonymiseBookingsAfterDays, readingRetentionDays },
    };
    return { revision: revisionOf(content), ...content };
  }

  /** Kiosk credentials neither revoked nor expired: their SHA-256 hashes, never a secret (none is stored). */
  async kioskCredentials(orgId: string, site: DownlinkSite): Promise<DownlinkKioskCredentials> {
    const now = this.deps.now().getTime();
    const records = await this.deps.machineCredentials.unrevokedOfSite(orgId, site.id, "kiosk");
    const items = records
      .filter((record) => record.expiresAt === null || record.expiresAt.getTime() > now)
      .map((record) => ({
        id: record.id,
        name: record.name,
        hash: record.hash,
        expiresAt: record.expiresAt?.getTime() ?? null,
      }));
    return { revision: revisionOf(items), items };
  }

  /** The parts asked for; one whose revision is the known one is only listed as unchanged. */
  async snapshot(
    orgId: string,
    site: DownlinkSite,
    parts: readonly DownlinkPart[],
    known: DownlinkRevisions,
  ): Promise<DownlinkSnapshot | null> {
    const snapshot: DownlinkSnapshot = { siteId: site.key, unchanged: [] };
    for (const part of parts) {
      if (known[part] !== undefined && known[part] === (await this.revision(orgId, site, part))) {
        snapshot.unchanged.push(part);
        continue;
      }
      switch (part) {
        case "plans": {
          const plans = await this.plans(orgId, site);
          if (!plans) return null;
          snapshot.plans = plans;
          break;
        }
        case "settings": {
          const settings = await this.settings(orgId, site);
          if (!settings) return null;
          snapshot.settings = settings;
          break;
        }
        case "kioskCredentials":
          snapshot.kioskCredentials = await this.kioskCredentials(orgId, site);
          break;
      }
    }
    return snapshot;
  }

  /** The sites a change touches, each with the new revisions of the changed parts. */
  async changes(orgId: string, target: DownlinkTarget, parts: readonly DownlinkPart[]): Promise<DownlinkNotice[]> {
    const sites = (await this.deps.sites.list(orgId)).filter(
      (site) => target === "all" || ("id" in target ? site.id === target.id : site.key === target.key),
    );
    const notices: DownlinkNotice[] = [];
    for (const site of sites) {
      const revisions: DownlinkRevisions = {};
      for (const part of parts) {
        const revision = await this.revision(orgId, site, part);
        if (revision !== null) revisions[part] = revision;
      }
      if (Object.keys(revisions).length > 0)
        notices.push({ siteUuid: site.id, event: { siteId: site.key, revisions } });
    }
    return notices;
  }
}

export interface DownlinkNotice {
  siteUuid: string;
  event: DownlinkChanged;
}

const refused = (code: keyof typeof ERROR_CODES, message: string): Ack<never> =>
  fail({ code: ERROR_CODES[code], message });

/** The one site a machine credential is bound to (a site uuid); users and unbound credentials have none. */
function boundSite(principal: Principal): string | null {
  if (principal.kind !== "machine" || principal.siteIds === "all" || principal.siteIds.length !== 1) return null;
  return principal.siteIds[0]!;
}

/**
 * `downlink:snapshot` for the site the gateway's credential is bound to, and nothing else: the request names the
 * site only so that an edge configured for another site learns so (FORBIDDEN) instead of caching a stranger's data.
 * The socket joins its site's room, where `downlink:changed` arrives.
 */
export function attachDownlink(
  socket: GatewaySocket,
  deps: { source: DownlinkSource; sites: SiteRepository; logger: Logger },
): void {
  const { principal } = socket.data;
  const siteId = boundSite(principal);
  if (siteId !== null) void socket.join(siteRoom(siteId));
  const answer = async (request: unknown): Promise<Ack<DownlinkSnapshot>> => {
    // The scope was checked before this handler ran (sockets.ts); the sender must also be bound to one site.
    const site = siteId === null ? null : await deps.sites.get(principal.orgId, siteId);
    if (!site) {
      return refused("FORBIDDEN", "only a gateway credential bound to a site may fetch its downlink");
    }
    const parsed = DownlinkSnapshotRequest.safeParse(request);
    if (!parsed.success) return refused("VALIDATION_FAILED", "expected { siteId, parts?, known? }");
    if (parsed.data.siteId !== site.key) return refused("FORBIDDEN", "this credential belongs to another site");
    const snapshot = await deps.source.snapshot(
      principal.orgId,
      site,
      parsed.data.parts ?? DOWNLINK_PARTS,
      parsed.data.known ?? {},
    );
    return snapshot ? ok(snapshot) : refused("NOT_FOUND", "site not found");
  };
  socket.on("downlink:snapshot", (request, ack) => {
    if (typeof ack !== "function") return;
    answer(request).then(ack, (error: unknown) => {
      deps.logger.error({ err: error, gateway: principal.id }, "downlink:snapshot failed");
      ack(refused("UNAVAILABLE", "the downlink could not be read; ask again"));
    });
  });
}
