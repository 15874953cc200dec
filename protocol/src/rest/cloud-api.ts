import { z } from "zod";

import { ERROR_CODES } from "../errors.js";
import { EQUIPMENT, FloorPlan } from "../floor-plan.js";
import { FloorId, Id, SiteId } from "../ids.js";

/** REST DTOs of the cloud API (`/api/v1`). Requests are strict: unknown keys are rejected. */

const Timestamp = z.iso.datetime({ offset: true }).describe("ISO 8601 timestamp");
const Name = z.string().trim().min(1).max(128);

export const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(Object.values(ERROR_CODES) as [string, ...string[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Organisation = z.strictObject({ id: Id, name: Name, createdAt: Timestamp });
export type Organisation = z.infer<typeof Organisation>;

export const BookingRules = z.strictObject({
  maxAdvanceDays: z.number().int().min(0).max(365),
  maxBookingsPerDay: z.number().int().min(1).max(10),
  minBookingMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  maxBookingMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  /** A booking nobody checks in to within this many minutes is a no-show. */
  checkInGraceMinutes: z.number().int().min(0).max(240),
  autoReleaseNoShows: z.boolean(),
});
export type BookingRules = z.infer<typeof BookingRules>;

export const PrivacySettings = z.strictObject({
  /** Public screens show no names unless this is on (privacy by default). */
  showNamesOnKiosk: z.boolean(),
  allowSelfAnonymise: z.boolean(),
  anonymiseBookingsAfterDays: z.number().int().min(1).max(3650),
  readingRetentionDays: z.number().int().min(1).max(3650),
});
export type PrivacySettings = z.infer<typeof PrivacySettings>;

export const OrganisationSettings = z.strictObject({
  bookingRules: BookingRules,
  privacy: PrivacySettings,
  updatedAt: Timestamp,
});
export type OrganisationSettings = z.infer<typeof OrganisationSettings>;

export const OrganisationSettingsPatch = z.strictObject({
  bookingRules: BookingRules.partial().optional(),
  privacy: PrivacySettings.partial().optional(),
});
export type OrganisationSettingsPatch = z.infer<typeof OrganisationSettingsPatch>;

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin");

export const Site = z.strictObject({
  id: Id,
  /** The site id used in MQTT topics and floor-plan documents. */
  key: SiteId,
  name: Name,
  address: z.string().max(512),
  timeZone: TimeZone,
  createdAt: Timestamp,
});
export type Site = z.infer<typeof Site>;

export const SiteCreate = z.strictObject({
  key: SiteId,
  name: Name,
  address: z.string().trim().max(512),
  timeZone: TimeZone,
});
export type SiteCreate = z.infer<typeof SiteCreate>;

export const SitePatch = SiteCreate.omit({ key: true }).partial();
export type SitePatch = z.infer<typeof SitePatch>;

export const Floor = z.strictObject({
  id: Id,
  siteId: Id,
  /** The floor id used in floor-plan documents. */
  key: FloorId,
  name: Name,
  level: z.number().int(),
  /** Number of the published version, null before the first publish. */
  publishedVersion: z.number().int().positive().nullable(),
  createdAt: Timestamp,
});
export type Floor = z.infer<typeof Floor>;

export const PLAN_VERSION_STATUSES = ["draft", "published", "retired"] as const;
export const PlanVersionStatus = z.enum(PLAN_VERSION_STATUSES);
export type PlanVersionStatus = z.infer<typeof PlanVersionStatus>;

export const FloorPlanVersionSummary = z.strictObject({
  id: Id,
  floorId: Id,
  version: z.number().int().positive(),
  status: PlanVersionStatus,
  /** Subject ids of the principals, never names. */
  createdBy: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  publishedBy: z.string().nullable(),
  publishedAt: Timestamp.nullable(),
});
export type FloorPlanVersionSummary = z.infer<typeof FloorPlanVersionSummary>;

export const FloorPlanVersionDetail = FloorPlanVersionSummary.extend({ document: FloorPlan });
export type FloorPlanVersionDetail = z.infer<typeof FloorPlanVersionDetail>;

export const FloorPlanImport = z.strictObject({ floor: Floor, version: FloorPlanVersionSummary });
export type FloorPlanImport = z.infer<typeof FloorPlanImport>;

export const PublishedFloorPlan = z.strictObject({
  floorId: Id,
  version: z.number().int().positive(),
  document: FloorPlan,
});
export type PublishedFloorPlan = z.infer<typeof PublishedFloorPlan>;

/** Normalised rows of the published version, the identities later features (bookings) refer to. */
export const FloorLayout = z.strictObject({
  floorId: Id,
  version: z.number().int().positive(),
  zones: z.array(z.strictObject({ id: Id, key: Id, name: Name, colour: z.string() })),
  desks: z.array(
    z.strictObject({
      id: Id,
      key: Id,
      label: Name,
      zoneKey: Id.nullable(),
      equipment: z.array(z.enum(EQUIPMENT)),
      accessible: z.boolean(),
    }),
  ),
  rooms: z.array(z.strictObject({ id: Id, key: Id, label: Name, capacity: z.number().int().positive() })),
});
export type FloorLayout = z.infer<typeof FloorLayout>;

export const FloorImage = z.strictObject({
  id: Id,
  floorId: Id,
  contentType: z.enum(["image/png", "image/jpeg", "image/webp"]),
  size: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: Timestamp,
});
export type FloorImage = z.infer<typeof FloorImage>;

export const Health = z.strictObject({ status: z.literal("ok") });
export const Readiness = z.strictObject({ status: z.literal("ready"), database: z.enum(["sqlite", "postgresql"]) });
