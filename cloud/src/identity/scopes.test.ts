import { describe, expect, it } from "vitest";
import {
  ADMIN_SCOPES,
  ALL_SCOPES,
  MACHINE_ALLOWED_SCOPES,
  MACHINE_DEFAULT_SCOPES,
  MACHINE_KINDS,
  type Principal,
  ROLE_SCOPES,
  SCOPES,
  authorize,
  formatScopes,
  hasScopes,
  parseScopes,
  validateMachineScopes,
} from "./scopes.js";

const employee: Principal = {
  kind: "user",
  id: "u1",
  orgId: "org1",
  scopes: ROLE_SCOPES.employee,
  siteIds: ["hq"],
};

describe("scope catalogue", () => {
  it("never lets a machine kind hold an admin scope", () => {
    for (const kind of MACHINE_KINDS) {
      for (const scope of ADMIN_SCOPES) expect(MACHINE_ALLOWED_SCOPES[kind]).not.toContain(scope);
      for (const scope of MACHINE_DEFAULT_SCOPES[kind]) expect(MACHINE_ALLOWED_SCOPES[kind]).toContain(scope);
    }
  });

  it("gives employees only their own bookings and admins every user-facing scope", () => {
    expect(ROLE_SCOPES.employee).not.toContain(SCOPES.BOOKINGS_SITE_READ);
    expect(ROLE_SCOPES.facilities).toContain(SCOPES.BOOKINGS_SITE_READ);
    expect(ROLE_SCOPES.facilities).not.toContain(SCOPES.USERS_ADMIN);
    const userFacing = ALL_SCOPES.filter(
      (s) => s !== SCOPES.GATEWAY_SYNC && s !== SCOPES.KIOSK_OPERATE && s !== SCOPES.PLATFORM_ADMIN,
    );
    expect([...ROLE_SCOPES.admin].sort()).toEqual([...userFacing].sort());
    for (const role of ["employee", "facilities", "admin"] as const) {
      expect(ROLE_SCOPES[role]).toContain(SCOPES.ACCOUNT_MANAGE);
      expect(ROLE_SCOPES[role]).not.toContain(SCOPES.PLATFORM_ADMIN);
    }
  });

  it("round-trips scope strings and drops unknown scopes", () => {
    expect(parseScopes(formatScopes(ROLE_SCOPES.admin)).sort()).toEqual([...ROLE_SCOPES.admin].sort());
    expect(parseScopes("occupancy:read root:everything  occupancy:read")).toEqual(["occupancy:read"]);
  });

  it("validates machine scopes against the kind", () => {
    expect(validateMachineScopes("kiosk", ["kiosk:operate"])).toEqual({ ok: true, scopes: ["kiosk:operate"] });
    expect(validateMachineScopes("kiosk", ["kiosk:operate", "users:admin"])).toEqual({
      ok: false,
      code: "scope_not_allowed",
      notAllowed: ["users:admin"],
    });
    expect(validateMachineScopes("gateway", ["kiosk:operate"]).ok).toBe(false);
    expect(validateMachineScopes("integration", []).ok).toBe(false);
  });
});

describe("authorize", () => {
  it("requires every scope", () => {
    expect(hasScopes(employee.scopes, [SCOPES.BOOKINGS_OWN_READ, SCOPES.BOOKINGS_OWN_WRITE])).toBe(true);
    expect(authorize(employee, { scopes: [SCOPES.BOOKINGS_OWN_WRITE, SCOPES.USERS_ADMIN] })).toEqual({
      ok: false,
      code: "missing_scope",
      missing: [SCOPES.USERS_ADMIN],
    });
  });

  it("limits a user bound to some sites to those sites", () => {
    expect(authorize(employee, { scopes: [SCOPES.OCCUPANCY_READ], siteId: "hq" })).toEqual({ ok: true });
    expect(authorize(employee, { scopes: [SCOPES.OCCUPANCY_READ], siteId: "branch" })).toEqual({
      ok: false,
      code: "site_not_allowed",
    });
    expect(authorize({ ...employee, siteIds: "all" }, { scopes: [], siteId: "branch" })).toEqual({ ok: true });
  });

  it("never crosses organisations", () => {
    const admin: Principal = { ...employee, scopes: ROLE_SCOPES.admin, siteIds: "all" };
    expect(authorize(admin, { scopes: [SCOPES.USERS_ADMIN], orgId: "org2" })).toEqual({
      ok: false,
      code: "org_mismatch",
    });
  });
});
