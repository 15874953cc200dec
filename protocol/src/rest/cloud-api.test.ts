import { describe, expect, it } from "vitest";

import { ErrorBody, OrganisationSettingsPatch, SiteCreate, SitePatch } from "./cloud-api.js";

describe("cloud REST DTOs", () => {
  it("accepts a site with an IANA time zone and refuses an invented one", () => {
    const site = { key: "hq", name: "Berlin HQ", address: "Spreeufer 1, Berlin", timeZone: "Europe/Berlin" };
    expect(SiteCreate.safeParse(site).success).toBe(true);
    expect(SiteCreate.safeParse({ ...site, timeZone: "Mars/Olympus" }).success).toBe(false);
  });

  it("rejects unknown keys, wrong types and keys that cannot change", () => {
    expect(SiteCreate.safeParse({ key: "hq", name: "x", address: "", timeZone: "UTC", extra: 1 }).success).toBe(false);
    expect(SitePatch.safeParse({ key: "other" }).success).toBe(false);
    expect(OrganisationSettingsPatch.safeParse({ privacy: { showNamesOnKiosk: "yes" } }).success).toBe(false);
    expect(OrganisationSettingsPatch.safeParse({ bookingRules: { maxAdvanceDays: 30 } }).success).toBe(true);
  });

  it("describes errors with a known code", () => {
    expect(ErrorBody.safeParse({ error: { code: "NOT_FOUND", message: "no such site" } }).success).toBe(true);
    expect(ErrorBody.safeParse({ error: { code: "OOPS", message: "x" } }).success).toBe(false);
  });
});
