import { z } from "zod";

import { FloorPlan } from "../floor-plan.js";
import { Id, SiteId } from "../ids.js";
import { BookingRules, PrivacySettings, TimeZone } from "../rest/cloud-api.js";

/**
 * The downlink on `/gateway` (cloud → edge): what a site's edge keeps so the site works during an outage. It comes
 * in three parts, each with an opaque revision (equal revisions mean equal content). The cloud tells the site's
 * gateways `downlink:changed` with the new revisions of the parts that changed; the edge then asks
 * `downlink:snapshot` for those parts, naming the revisions it holds, and the cloud sends only the parts whose
 * revision differs. On every (re)connect the edge asks for all parts the same way.
 */
export const DOWNLINK_PARTS = ["plans", "settings", "kioskCredentials"] as const;
export const DownlinkPart = z.enum(DOWNLINK_PARTS);
export type DownlinkPart = z.infer<typeof DownlinkPart>;

export const DownlinkRevision = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 of [A-Za-z0-9_-]");
export type DownlinkRevision = z.infer<typeof DownlinkRevision>;

/** Revisions by part; a part left out is not named (not changed, not known, not wanted). */
export const DownlinkRevisions = z.strictObject({
  plans: DownlinkRevision.optional(),
  settings: DownlinkRevision.optional(),
  kioskCredentials: DownlinkRevision.optional(),
});
export type DownlinkRevisions = z.infer<typeof DownlinkRevisions>;

const distinct = (parts: readonly string[]): boolean => new Set(parts).size === parts.length;

/** Pushed to the gateways of one site when parts of its downlink changed, with their new revisions. */
export const DownlinkChanged = z.strictObject({
  siteId: SiteId,
  revisions: DownlinkRevisions.refine((revisions) => Object.keys(revisions).length > 0, "names no part"),
});
export type DownlinkChanged = z.infer<typeof DownlinkChanged>;

/** The edge asks for parts of its site's downlink (default: all), naming the revisions it holds already. */
export const DownlinkSnapshotRequest = z.strictObject({
  siteId: SiteId,
  parts: z.array(DownlinkPart).min(1).max(DOWNLINK_PARTS.length).refine(distinct, "names a part twice").optional(),
  known: DownlinkRevisions.optional(),
});
export type DownlinkSnapshotRequest = z.infer<typeof DownlinkSnapshotRequest>;

/** The published floor plans of the site, one per floor. Published versions never change, only get replaced. */
export const DownlinkPlans = z.strictObject({
  revision: DownlinkRevision,
  floors: z
    .array(z.strictObject({ version: z.number().int().positive(), plan: FloorPlan }))
    .max(500)
    .refine((floors) => distinct(floors.map((floor) => floor.plan.floorId)), "names a floor twice"),
});
export type DownlinkPlans = z.infer<typeof DownlinkPlans>;

/** What the edge needs of the organisation's settings, and the site's own name and time zone. */
export const DownlinkSettings = z.strictObject({
  revision: DownlinkRevision,
  site: z.strictObject({ name: z.string().min(1).max(128), timeZone: TimeZone }),
  bookingRules: BookingRules,
  privacy: PrivacySettings.pick({
    showNamesOnKiosk: true,
    anonymiseBookingsAfterDays: true,
    readingRetentionDays: true,
  }),
});
export type DownlinkSettings = z.infer<typeof DownlinkSettings>;

/** A kiosk credential of the site: only the SHA-256 (hex) of its secret, never the secret; revoked ones are absent. */
export const DownlinkKioskCredential = z.strictObject({
  id: Id,
  name: z.string().min(1).max(128),
  hash: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in lower-case hex"),
  /** ms since epoch; null: does not expire */
  expiresAt: z.number().int().nonnegative().nullable(),
});
export type DownlinkKioskCredential = z.infer<typeof DownlinkKioskCredential>;

export const DownlinkKioskCredentials = z.strictObject({
  revision: DownlinkRevision,
  items: z
    .array(DownlinkKioskCredential)
    .max(1000)
    .refine((items) => distinct(items.map((item) => item.id)), "names a credential twice"),
});
export type DownlinkKioskCredentials = z.infer<typeof DownlinkKioskCredentials>;

/**
 * The answer to `downlink:snapshot`: every part asked for is either present in full or listed in `unchanged`
 * (its revision is the one the edge named as known).
 */
export const DownlinkSnapshot = z
  .strictObject({
    siteId: SiteId,
    plans: DownlinkPlans.optional(),
    settings: DownlinkSettings.optional(),
    kioskCredentials: DownlinkKioskCredentials.optional(),
    unchanged: z.array(DownlinkPart).max(DOWNLINK_PARTS.length),
  })
  .superRefine((snapshot, ctx) => {
    if (!distinct(snapshot.unchanged)) ctx.addIssue({ code: "custom", path: ["unchanged"], message: "repeats a part" });
    for (const part of snapshot.unchanged) {
      if (snapshot[part] !== undefined) {
        ctx.addIssue({ code: "custom", path: [part], message: "is both sent and listed as unchanged" });
      }
    }
    snapshot.plans?.floors.forEach((floor, i) => {
      if (floor.plan.siteId !== snapshot.siteId) {
        ctx.addIssue({
          code: "custom",
          path: ["plans", "floors", i, "plan", "siteId"],
          message: "another site's plan",
        });
      }
    });
  });
export type DownlinkSnapshot = z.infer<typeof DownlinkSnapshot>;
