import {
  FloorPlan,
  type Equipment,
  type FloorLayout,
  type FloorPlanImport,
  type FloorPlanVersionDetail,
  type FloorPlanVersionSummary,
  type PlanVersionStatus,
  type PublishedFloorPlan,
} from "@desksharing/protocol";

import { inventoryOf } from "../../domain/floor-plan.js";
import { insertRows } from "../bulk-insert.js";
import type { Db } from "../database.js";
import { toFloor } from "./sites.js";

type VersionRow = NonNullable<Awaited<ReturnType<Db["floorPlanVersion"]["findFirst"]>>>;

function toSummary(row: VersionRow): FloorPlanVersionSummary {
  return {
    id: row.id,
    floorId: row.floorId,
    version: row.version,
    status: row.status as PlanVersionStatus,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt?.toISOString() ?? null,
  };
}

/** Stored documents were validated on the way in; parsing again keeps the type honest and applies defaults. */
function documentOf(row: VersionRow): FloorPlan {
  return FloorPlan.parse(JSON.parse(row.document));
}

export type DraftChange<T> = { ok: true; value: T } | { ok: false; reason: "not-found" | "not-draft" };

export interface PublishedEvent {
  siteKey: string;
  floorKey: string;
  version: number;
  publishedAt: Date;
}

const notDraftUnless = (drafts: boolean) => (drafts ? {} : { status: { not: "draft" } });

/** A publish of the largest floor (20,000 desks) must not hit Prisma's default 5 s transaction limit on a busy server. */
const BIG_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

export function floorPlanRepository(db: Db) {
  return {
    /** Stores the document as a new draft of its floor, creating the floor on first import. */
    async importDraft(orgId: string, siteId: string, plan: FloorPlan, actor: string): Promise<FloorPlanImport | null> {
      return db.$transaction(async (tx) => {
        const site = await tx.site.findFirst({ where: { orgId, id: siteId } });
        if (!site) return null;
        const floor =
          (await tx.floor.findFirst({ where: { orgId, siteId, key: plan.floorId } })) ??
          (await tx.floor.create({ data: { orgId, siteId, key: plan.floorId, name: plan.name, level: plan.level } }));
        const last = await tx.floorPlanVersion.findFirst({
          where: { orgId, floorId: floor.id },
          orderBy: { version: "desc" },
        });
        const published = await tx.floorPlanVersion.findFirst({
          where: { orgId, floorId: floor.id, status: "published" },
        });
        const row = await tx.floorPlanVersion.create({
          data: {
            orgId,
            floorId: floor.id,
            version: (last?.version ?? 0) + 1,
            status: "draft",
            document: JSON.stringify(plan),
            createdBy: actor,
          },
        });
        return { floor: toFloor(floor, published?.version ?? null), version: toSummary(row) };
      });
    },

    /** Newest first; without `drafts`, only versions that have been published (the current one and retired ones). */
    async versions(
      orgId: string,
      floorId: string,
      { drafts }: { drafts: boolean },
    ): Promise<FloorPlanVersionSummary[] | null> {
      const floor = await db.floor.findFirst({ where: { orgId, id: floorId }, select: { id: true } });
      if (!floor) return null;
      const rows = await db.floorPlanVersion.findMany({
        where: { orgId, floorId, ...notDraftUnless(drafts) },
        orderBy: { version: "desc" },
      });
      return rows.map(toSummary);
    },

    /** Without `drafts`, a draft is not found. */
    async version(
      orgId: string,
      floorId: string,
      version: number,
      { drafts }: { drafts: boolean },
    ): Promise<FloorPlanVersionDetail | null> {
      const row = await db.floorPlanVersion.findFirst({
        where: { orgId, floorId, version, ...notDraftUnless(drafts) },
      });
      return row && { ...toSummary(row), document: documentOf(row) };
    },

    async updateDraft(
      orgId: string,
      floorId: string,
      version: number,
      plan: FloorPlan,
    ): Promise<DraftChange<FloorPlanVersionDetail>> {
      const { count } = await db.floorPlanVersion.updateMany({
        where: { orgId, floorId, version, status: "draft" },
        data: { document: JSON.stringify(plan) },
      });
      const row = await db.floorPlanVersion.findFirst({ where: { orgId, floorId, version } });
      if (!row) return { ok: false, reason: "not-found" };
      if (count === 0) return { ok: false, reason: "not-draft" };
      return { ok: true, value: { ...toSummary(row), document: documentOf(row) } };
    },

    /**
     * Makes a draft the floor's published version: the previous one retires, the floor takes the document's name
     * and level, and the document's zones, desks and rooms become rows of this version.
     */
    async publish(
      orgId: string,
      floorId: string,
      version: number,
      actor: string,
      now: Date,
    ): Promise<DraftChange<{ summary: FloorPlanVersionSummary; event: PublishedEvent }>> {
      return db.$transaction(async (tx) => {
        const row = await tx.floorPlanVersion.findFirst({
          where: { orgId, floorId, version },
          include: { floor: { include: { site: true } } },
        });
        if (!row) return { ok: false, reason: "not-found" };
        if (row.status !== "draft") return { ok: false, reason: "not-draft" };
        const plan = documentOf(row);
        await tx.floorPlanVersion.updateMany({
          where: { orgId, floorId, status: "published" },
          data: { status: "retired" },
        });
        const published = await tx.floorPlanVersion.update({
          where: { id: row.id },
          data: { status: "published", publishedBy: actor, publishedAt: now },
        });
        await tx.floor.updateMany({ where: { orgId, id: floorId }, data: { name: plan.name, level: plan.level } });
        const inventory = inventoryOf(plan);
        const versionId = row.id;
        await insertRows(
          tx,
          "zones",
          ["org_id", "version_id", "key", "name", "colour"],
          inventory.zones.map((zone) => [orgId, versionId, zone.key, zone.name, zone.colour]),
        );
        await insertRows(
          tx,
          "desks",
          ["org_id", "version_id", "key", "label", "zone_key", "equipment", "accessible"],
          inventory.desks.map((desk) => [
            orgId,
            versionId,
            desk.key,
            desk.label,
            desk.zoneKey,
            desk.equipment.join(" "),
            desk.accessible,
          ]),
        );
        await insertRows(
          tx,
          "rooms",
          ["org_id", "version_id", "key", "label", "capacity"],
          inventory.rooms.map((room) => [orgId, versionId, room.key, room.label, room.capacity]),
        );
        return {
          ok: true,
          value: {
            summary: toSummary(published),
            event: { siteKey: row.floor.site.key, floorKey: row.floor.key, version, publishedAt: now },
          },
        };
      }, BIG_TRANSACTION);
    },

    async published(orgId: string, floorId: string): Promise<PublishedFloorPlan | null> {
      const row = await db.floorPlanVersion.findFirst({ where: { orgId, floorId, status: "published" } });
      return row && { floorId, version: row.version, document: documentOf(row) };
    },

    async publishedForSite(orgId: string, siteId: string): Promise<PublishedFloorPlan[] | null> {
      const site = await db.site.findFirst({ where: { orgId, id: siteId }, select: { id: true } });
      if (!site) return null;
      const rows = await db.floorPlanVersion.findMany({
        where: { orgId, status: "published", floor: { orgId, siteId } },
        include: { floor: { select: { level: true } } },
      });
      return rows
        .sort((a, b) => a.floor.level - b.floor.level)
        .map((row) => ({ floorId: row.floorId, version: row.version, document: documentOf(row) }));
    },

    async publishedForSiteKey(orgId: string, siteKey: string): Promise<PublishedFloorPlan[] | null> {
      const site = await db.site.findFirst({ where: { orgId, key: siteKey }, select: { id: true } });
      return site && this.publishedForSite(orgId, site.id);
    },

    async layout(orgId: string, floorId: string): Promise<FloorLayout | null> {
      const row = await db.floorPlanVersion.findFirst({
        where: { orgId, floorId, status: "published" },
        include: {
          zones: { orderBy: { key: "asc" } },
          desks: { orderBy: { label: "asc" } },
          rooms: { orderBy: { label: "asc" } },
        },
      });
      if (!row) return null;
      return {
        floorId,
        version: row.version,
        zones: row.zones.map((zone) => ({ id: zone.id, key: zone.key, name: zone.name, colour: zone.colour })),
        desks: row.desks.map((desk) => ({
          id: desk.id,
          key: desk.key,
          label: desk.label,
          zoneKey: desk.zoneKey,
          equipment: desk.equipment === "" ? [] : (desk.equipment.split(" ") as Equipment[]),
          accessible: desk.accessible,
        })),
        rooms: row.rooms.map((room) => ({ id: room.id, key: room.key, label: room.label, capacity: room.capacity })),
      };
    },
  };
}
export type FloorPlanRepository = ReturnType<typeof floorPlanRepository>;
