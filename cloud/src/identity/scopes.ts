/**
 * The scope catalogue. Every route and every socket event names the scopes it needs, and `authorize` is the one
 * check that decides. Tokens carry scopes as a space-separated string (RFC 9068 `scope`).
 */
export const SCOPES = {
  BOOKINGS_OWN_READ: "bookings:own:read",
  BOOKINGS_OWN_WRITE: "bookings:own:write",
  BOOKINGS_SITE_READ: "bookings:site:read",
  OCCUPANCY_READ: "occupancy:read",
  ANALYTICS_READ: "analytics:read",
  FLOORPLANS_READ: "floorplans:read",
  FLOORPLANS_WRITE: "floorplans:write",
  SITES_ADMIN: "sites:admin",
  USERS_ADMIN: "users:admin",
  MACHINES_ADMIN: "machines:admin",
  PRIVACY_ADMIN: "privacy:admin",
  AUDIT_READ: "audit:read",
  GATEWAY_SYNC: "gateway:sync",
  KIOSK_OPERATE: "kiosk:operate",
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

const KNOWN = new Set<string>(ALL_SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN.has(value);
}

/** Scopes no machine credential may ever hold, whatever an admin picks. */
export const ADMIN_SCOPES: readonly Scope[] = [
  SCOPES.SITES_ADMIN,
  SCOPES.USERS_ADMIN,
  SCOPES.MACHINES_ADMIN,
  SCOPES.PRIVACY_ADMIN,
  SCOPES.AUDIT_READ,
  SCOPES.FLOORPLANS_WRITE,
];

export const ROLES = ["admin", "facilities", "employee"] as const;
export type Role = (typeof ROLES)[number];

const EMPLOYEE: readonly Scope[] = [
  SCOPES.BOOKINGS_OWN_READ,
  SCOPES.BOOKINGS_OWN_WRITE,
  SCOPES.OCCUPANCY_READ,
  SCOPES.FLOORPLANS_READ,
];
const FACILITIES: readonly Scope[] = [...EMPLOYEE, SCOPES.BOOKINGS_SITE_READ, SCOPES.ANALYTICS_READ];

export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  employee: EMPLOYEE,
  facilities: FACILITIES,
  admin: [
    ...FACILITIES,
    SCOPES.FLOORPLANS_WRITE,
    SCOPES.SITES_ADMIN,
    SCOPES.USERS_ADMIN,
    SCOPES.MACHINES_ADMIN,
    SCOPES.PRIVACY_ADMIN,
    SCOPES.AUDIT_READ,
  ],
};

export const MACHINE_KINDS = ["gateway", "kiosk", "integration"] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

/** What an admin may grant a machine of each kind; the first entries are the defaults offered. */
export const MACHINE_ALLOWED_SCOPES: Readonly<Record<MachineKind, readonly Scope[]>> = {
  gateway: [SCOPES.GATEWAY_SYNC, SCOPES.FLOORPLANS_READ, SCOPES.BOOKINGS_SITE_READ],
  kiosk: [SCOPES.KIOSK_OPERATE, SCOPES.FLOORPLANS_READ, SCOPES.OCCUPANCY_READ],
  integration: [SCOPES.OCCUPANCY_READ, SCOPES.ANALYTICS_READ, SCOPES.FLOORPLANS_READ, SCOPES.BOOKINGS_SITE_READ],
};

export const MACHINE_DEFAULT_SCOPES: Readonly<Record<MachineKind, readonly Scope[]>> = {
  gateway: [SCOPES.GATEWAY_SYNC, SCOPES.FLOORPLANS_READ, SCOPES.BOOKINGS_SITE_READ],
  kiosk: [SCOPES.KIOSK_OPERATE, SCOPES.FLOORPLANS_READ, SCOPES.OCCUPANCY_READ],
  integration: [SCOPES.OCCUPANCY_READ],
};

export function validateMachineScopes(
  kind: MachineKind,
  requested: readonly string[],
): { ok: true; scopes: Scope[] } | { ok: false; code: "scope_not_allowed"; notAllowed: string[] } {
  const allowed = new Set<string>(MACHINE_ALLOWED_SCOPES[kind]);
  const notAllowed = requested.filter((scope) => !allowed.has(scope));
  if (notAllowed.length > 0 || requested.length === 0) return { ok: false, code: "scope_not_allowed", notAllowed };
  return { ok: true, scopes: [...new Set(requested as Scope[])] };
}

/** Unknown scopes are dropped: a scope this build does not know grants nothing. */
export function parseScopes(value: string): Scope[] {
  return [...new Set(value.split(" ").filter(isScope))];
}

export function formatScopes(scopes: readonly Scope[]): string {
  return [...new Set(scopes)].sort().join(" ");
}

export function hasScopes(granted: readonly Scope[], required: readonly Scope[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

/** The authenticated caller: a user (via access token) or a machine (via its credential). */
export interface Principal {
  kind: "user" | "machine";
  id: string;
  orgId: string;
  scopes: readonly Scope[];
  /** "all" for users not limited to some sites; machines are always bound to one site. */
  siteIds: readonly string[] | "all";
}

export interface Requirement {
  scopes: readonly Scope[];
  /** The site the request touches, when it touches one. */
  siteId?: string;
  /** The organisation the request touches; a principal never acts in another organisation. */
  orgId?: string;
}

export type AuthorizeResult =
  | { ok: true }
  | { ok: false; code: "missing_scope"; missing: Scope[] }
  | { ok: false; code: "site_not_allowed" | "org_mismatch" };

export function authorize(principal: Principal, requirement: Requirement): AuthorizeResult {
  if (requirement.orgId !== undefined && requirement.orgId !== principal.orgId) {
    return { ok: false, code: "org_mismatch" };
  }
  const missing = requirement.scopes.filter((scope) => !principal.scopes.includes(scope));
  if (missing.length > 0) return { ok: false, code: "missing_scope", missing };
  if (
    requirement.siteId !== undefined &&
    principal.siteIds !== "all" &&
    !principal.siteIds.includes(requirement.siteId)
  ) {
    return { ok: false, code: "site_not_allowed" };
  }
  return { ok: true };
}
