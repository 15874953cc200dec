import type {
  DeskState,
  DeviceAvailabilityState,
  DeviceLifecycle,
  GatewayLinkStatus,
  OccupancyChanged,
  RoomState,
  SiteOccupancy,
  UplinkEvent,
} from "@desksharing/protocol";

import { latestStates, subjectOf, type Latest } from "../../domain/uplink-batch.js";
import type { Db, Prisma } from "../database.js";
import { Prisma as P } from "../generated/sqlite/client.js";

/** 10 columns × 250 rows stays far below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 250;

export interface UplinkBatchInput {
  gatewayId: string;
  /** The gateway's own site (internal id); every event's site key was checked to name it. */
  siteId: string;
  siteKey: string;
  /** Distinct ids, validated. */
  events: readonly UplinkEvent[];
  receivedAt: number;
}

export interface UplinkBatchStored {
  stored: number;
  duplicates: number;
  /** What the newly stored events changed in current state; null when nothing changed. */
  change: OccupancyChanged | null;
}

export interface GatewayStatusRow {
  credentialId: string;
  lastContactAt: number;
  newestEventAt: number | null;
  eventsStored: number;
  outboxDepth: number | null;
  oldestUnsentAt: number | null;
  droppedTotal: number | null;
  statusAt: number | null;
}

const n = (value: bigint | null): number | null => (value === null ? null : Number(value));

async function insertReturning(
  tx: Prisma.TransactionClient,
  head: P.Sql,
  rows: readonly unknown[][],
  tail: P.Sql,
): Promise<Record<string, string>[]> {
  const returned: Record<string, string>[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((row) => P.sql`(${P.join(row)})`);
    returned.push(...(await tx.$queryRaw<Record<string, string>[]>`${head}${P.join(values)}${tail}`));
  }
  return returned;
}

/**
 * Applies the newest of these states unless the stored one is newer (event time), in the same statement, so that
 * two instances storing batches of one site at once cannot lose the newer state. Returns what was applied.
 */
async function applyNewer<T>(
  tx: Prisma.TransactionClient,
  table: string,
  keyColumn: string,
  columns: readonly string[],
  entries: readonly Latest<T>[],
  row: (entry: Latest<T>) => unknown[],
  key: (entry: Latest<T>) => string,
  fixed: { orgId: string; siteId: string },
): Promise<Latest<T>[]> {
  if (entries.length === 0) return [];
  const all = ["org_id", "site_id", keyColumn, ...columns, "at", "event_id"];
  const updated = [...columns, "at", "event_id"].map((column) => `"${column}" = excluded."${column}"`).join(", ");
  const head = P.raw(`INSERT INTO "${table}" (${all.map((column) => `"${column}"`).join(", ")}) VALUES `);
  const tail = P.raw(
    ` ON CONFLICT ("org_id", "site_id", "${keyColumn}") DO UPDATE SET ${updated}` +
      ` WHERE excluded."at" >= "${table}"."at" RETURNING "${keyColumn}" AS "key"`,
  );
  const rows = entries.map((entry) => [
    fixed.orgId,
    fixed.siteId,
    key(entry),
    ...row(entry),
    BigInt(entry.at),
    entry.eventId,
  ]);
  const applied = new Set((await insertReturning(tx, head, rows, tail)).map((returned) => returned.key));
  return entries.filter((entry) => applied.has(key(entry)));
}

/** Occupancy events, current state and gateway links; every method takes the organisation first. */
export function occupancyRepository(db: Db) {
  return {
    /**
     * Stores the batch in one transaction: each event once (insert or ignore on the organisation's event id), then
     * current state from the newly stored events only, then the gateway's counters. Resending a batch changes
     * nothing. The caller acknowledges after this resolves, i.e. after the commit.
     */
    async storeBatch(orgId: string, input: UplinkBatchInput): Promise<UplinkBatchStored> {
      const { gatewayId, siteId, siteKey, events, receivedAt } = input;
      return db.$transaction(async (tx) => {
        const head = P.raw(
          'INSERT INTO "occupancy_events" ("org_id", "event_id", "site_id", "type", "subject", "at", "historical", ' +
            '"payload", "gateway_id", "received_at") VALUES ',
        );
        const tail = P.raw(' ON CONFLICT ("org_id", "event_id") DO NOTHING RETURNING "event_id" AS "id"');
        const rows = events.map((event) => [
          orgId,
          event.id,
          siteId,
          event.type,
          subjectOf(event),
          BigInt(event.at),
          event.type === "reading" && event.historical,
          JSON.stringify(event),
          gatewayId,
          BigInt(receivedAt),
        ]);
        const storedIds = new Set((await insertReturning(tx, head, rows, tail)).map((row) => row.id));
        const fresh = events.filter((event) => storedIds.has(event.id));
        const latest = latestStates(fresh);
        const fixed = { orgId, siteId };
        const desks = await applyNewer<DeskState>(
          tx,
          "desk_current_states",
          "desk_key",
          ["floor_key", "status", "since"],
          latest.desks,
          (entry) => [entry.state.floorId, entry.state.status, BigInt(entry.state.since)],
          (entry) => entry.state.deskId,
          fixed,
        );
        const rooms = await applyNewer<RoomState>(
          tx,
          "room_current_states",
          "room_key",
          ["floor_key", "status", "count", "since"],
          latest.rooms,
          (entry) => [entry.state.floorId, entry.state.status, entry.state.count, BigInt(entry.state.since)],
          (entry) => entry.state.roomId,
          fixed,
        );
        const devices = await applyNewer<DeviceAvailabilityState>(
          tx,
          "device_availability",
          "device_key",
          ["availability", "lifecycle", "battery"],
          latest.devices,
          (entry) => [entry.state.availability, entry.state.lifecycle, entry.state.battery],
          (entry) => entry.state.deviceId,
          fixed,
        );
        const newest = fresh.reduce<number | null>(
          (max, event) => (max === null || event.at > max ? event.at : max),
          null,
        );
        await tx.$executeRaw`INSERT INTO "gateway_statuses" ("org_id", "credential_id", "site_id", "last_contact_at", "newest_event_at", "events_stored")
          VALUES (${orgId}, ${gatewayId}, ${siteId}, ${BigInt(receivedAt)}, ${newest === null ? null : BigInt(newest)}, ${fresh.length})
          ON CONFLICT ("org_id", "credential_id") DO UPDATE SET "last_contact_at" = excluded."last_contact_at",
            "events_stored" = "gateway_statuses"."events_stored" + excluded."events_stored",
            "newest_event_at" = CASE WHEN "gateway_statuses"."newest_event_at" IS NULL
              OR excluded."newest_event_at" > "gateway_statuses"."newest_event_at"
              THEN excluded."newest_event_at" ELSE "gateway_statuses"."newest_event_at" END`;
        const changed = desks.length + rooms.length + devices.length > 0;
        return {
          stored: fresh.length,
          duplicates: events.length - fresh.length,
          change: changed
            ? {
                siteId: siteKey,
                desks: desks.map((entry) => entry.state),
                rooms: rooms.map((entry) => entry.state),
                devices: devices.map((entry) => entry.state),
              }
            : null,
        };
      });
    },

    async siteOccupancy(orgId: string, siteId: string, siteKey: string): Promise<SiteOccupancy> {
      const where = { orgId, siteId };
      const [desks, rooms, devices] = await Promise.all([
        db.deskCurrentState.findMany({ where, orderBy: { deskKey: "asc" } }),
        db.roomCurrentState.findMany({ where, orderBy: { roomKey: "asc" } }),
        db.deviceAvailability.findMany({ where, orderBy: { deviceKey: "asc" } }),
      ]);
      return {
        siteId: siteKey,
        desks: desks.map((row) => ({
          deskId: row.deskKey,
          floorId: row.floorKey,
          status: row.status as DeskState["status"],
          since: Number(row.since),
        })),
        rooms: rooms.map((row) => ({
          roomId: row.roomKey,
          floorId: row.floorKey,
          status: row.status as RoomState["status"],
          count: row.count,
          since: Number(row.since),
        })),
        devices: devices.map((row) => ({
          deviceId: row.deviceKey,
          availability: row.availability as DeviceAvailabilityState["availability"],
          lifecycle: row.lifecycle as DeviceLifecycle | null,
          battery: row.battery,
          at: Number(row.at),
        })),
      };
    },

    /** A gateway connected, disconnected or reported its outbox; `status` only with a report. */
    async recordContact(
      orgId: string,
      gateway: { id: string; siteId: string },
      at: number,
      status?: GatewayLinkStatus,
    ): Promise<void> {
      const report = status && {
        outboxDepth: status.outboxDepth,
        oldestUnsentAt: status.oldestUnsentAt === null ? null : BigInt(status.oldestUnsentAt),
        droppedTotal: status.droppedTotal,
        statusAt: BigInt(at),
      };
      await db.gatewayStatus.upsert({
        where: { orgId_credentialId: { orgId, credentialId: gateway.id } },
        create: { orgId, credentialId: gateway.id, siteId: gateway.siteId, lastContactAt: BigInt(at), ...report },
        update: { lastContactAt: BigInt(at), ...report },
      });
    },

    async gatewayStatuses(orgId: string, siteId: string): Promise<GatewayStatusRow[]> {
      const rows = await db.gatewayStatus.findMany({ where: { orgId, siteId } });
      return rows.map((row) => ({
        credentialId: row.credentialId,
        lastContactAt: Number(row.lastContactAt),
        newestEventAt: n(row.newestEventAt),
        eventsStored: row.eventsStored,
        outboxDepth: row.outboxDepth,
        oldestUnsentAt: n(row.oldestUnsentAt),
        droppedTotal: row.droppedTotal,
        statusAt: n(row.statusAt),
      }));
    },
  };
}
export type OccupancyRepository = ReturnType<typeof occupancyRepository>;
