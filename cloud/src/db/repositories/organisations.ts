import type { Organisation, OrganisationSettings, OrganisationSettingsPatch } from "@desksharing/protocol";

import type { Db } from "../database.js";

type SettingsRow = NonNullable<Awaited<ReturnType<Db["organisationSettings"]["findUnique"]>>>;

function toSettings(row: SettingsRow): OrganisationSettings {
  return {
    bookingRules: {
      maxAdvanceDays: row.maxAdvanceDays,
      maxBookingsPerDay: row.maxBookingsPerDay,
      minBookingMinutes: row.minBookingMinutes,
      maxBookingMinutes: row.maxBookingMinutes,
      checkInGraceMinutes: row.checkInGraceMinutes,
      autoReleaseNoShows: row.autoReleaseNoShows,
    },
    privacy: {
      showNamesOnKiosk: row.showNamesOnKiosk,
      allowSelfAnonymise: row.allowSelfAnonymise,
      anonymiseBookingsAfterDays: row.anonymiseBookingsAfterDays,
      readingRetentionDays: row.readingRetentionDays,
    },
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function organisationRepository(db: Db) {
  return {
    /** Not scoped: creating a tenant is what precedes having one (seed and provisioning only). */
    async create(name: string): Promise<Organisation> {
      const row = await db.organisation.create({ data: { name, settings: { create: {} } } });
      return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
    },

    async count(): Promise<number> {
      return db.organisation.count();
    },

    async get(orgId: string): Promise<Organisation | null> {
      const row = await db.organisation.findUnique({ where: { id: orgId } });
      return row && { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
    },

    async settings(orgId: string): Promise<OrganisationSettings | null> {
      const row = await db.organisationSettings.findUnique({ where: { orgId } });
      return row && toSettings(row);
    },

    async updateSettings(orgId: string, patch: OrganisationSettingsPatch): Promise<OrganisationSettings | null> {
      const data = { ...patch.bookingRules, ...patch.privacy };
      const { count } = await db.organisationSettings.updateMany({ where: { orgId }, data });
      if (count === 0) return null;
      return this.settings(orgId);
    },
  };
}
export type OrganisationRepository = ReturnType<typeof organisationRepository>;
