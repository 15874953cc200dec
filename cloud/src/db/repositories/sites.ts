import type { Floor, Site, SiteCreate, SitePatch } from "@desksharing/protocol";

import type { Db } from "../database.js";
import { isUniqueViolation } from "../errors.js";

type SiteRow = NonNullable<Awaited<ReturnType<Db["site"]["findFirst"]>>>;
type FloorRow = NonNullable<Awaited<ReturnType<Db["floor"]["findFirst"]>>>;

export function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    address: row.address,
    timeZone: row.timeZone,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toFloor(row: FloorRow, publishedVersion: number | null): Floor {
  return {
    id: row.id,
    siteId: row.siteId,
    key: row.key,
    name: row.name,
    level: row.level,
    publishedVersion,
    createdAt: row.createdAt.toISOString(),
  };
}

export type Created<T> = { ok: true; value: T } | { ok: false; reason: "conflict" };

/** Every method takes the organisation first and filters by it: another tenant's ids simply find nothing. */
export function siteRepository(db: Db) {
  return {
    async list(orgId: string): Promise<Site[]> {
      const rows = await db.site.findMany({ where: { orgId }, orderBy: [{ key: "asc" }] });
      return rows.map(toSite);
    },

    async get(orgId: string, siteId: string): Promise<Site | null> {
      const row = await db.site.findFirst({ where: { orgId, id: siteId } });
      return row && toSite(row);
    },

    async create(orgId: string, input: SiteCreate): Promise<Created<Site>> {
      try {
        return { ok: true, value: toSite(await db.site.create({ data: { orgId, ...input } })) };
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: "conflict" };
        throw error;
      }
    },

    async update(orgId: string, siteId: string, patch: SitePatch): Promise<Site | null> {
      const { count } = await db.site.updateMany({ where: { orgId, id: siteId }, data: patch });
      return count === 0 ? null : this.get(orgId, siteId);
    },

    async floors(orgId: string, siteId: string): Promise<Floor[]> {
      const rows = await db.floor.findMany({
        where: { orgId, siteId },
        orderBy: [{ level: "asc" }, { key: "asc" }],
        include: { versions: { where: { orgId, status: "published" }, select: { version: true } } },
      });
      return rows.map((row) => toFloor(row, row.versions[0]?.version ?? null));
    },

    async floor(orgId: string, floorId: string): Promise<Floor | null> {
      const row = await db.floor.findFirst({
        where: { orgId, id: floorId },
        include: { versions: { where: { orgId, status: "published" }, select: { version: true } } },
      });
      return row && toFloor(row, row.versions[0]?.version ?? null);
    },
  };
}
export type SiteRepository = ReturnType<typeof siteRepository>;
