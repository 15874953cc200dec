/**
 * The one scope catalogue. Every route names the scope it needs in the route table and every socket namespace and
 * event names its scope; `authorize` is the one check that decides. Tokens carry scopes as a space-separated
 * string (RFC 9068 `scope`). Scopes marked "reserved" belong to features of later issues and guard no route yet.
 */
export const SCOPES = {
  /** the organisation and its booking and privacy settings */
  ORG_READ: "org:read",
  /** change booking rules and privacy settings */
  ORG_ADMIN: "org:admin",
  /** own profile, own password, own sessions (never held by machines) */
  ACCOUNT_MANAGE: "account:manage",
  SITES_READ: "sites:read",
  SITES_WRITE: "sites:write",
  PLANS_READ: "plans:read",
  PLANS_WRITE: "plans:write",
  PLANS_PUBLISH: "plans:publish",
  /** the /live socket.io namespace */
  LIVE_READ: "live:read",
  /** reserved */
  BOOKINGS_OWN_READ: "bookings:own:read",
  /** reserved */
  BOOKINGS_OWN_WRITE: "bookings:own:write",
  /** reserved */
  BOOKINGS_SITE_READ: "bookings:site:read",
  /** current desk, room and device state of a site (REST) and its live changes on /live (`live:subscribe`) */
  OCCUPANCY_READ: "occupancy:read",
  /** reserved */
  ANALYTICS_READ: "analytics:read",
  USERS_ADMIN: "users:admin",
  MACHINES_ADMIN: "machines:admin",
  /** reserved (data exports, erasure) */
  PRIVACY_ADMIN: "privacy:admin",
  AUDIT_READ: "audit:read",
  /** revoke every token of the installation; only platform operators hold it */
  PLATFORM_ADMIN: "platform:admin",
  /** the /gateway socket.io namespace and its events */
  GATEWAY_SYNC: "gateway:sync",
  /** reserved */
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
  SCOPES.ORG_ADMIN,
  SCOPES.ACCOUNT_MANAGE,
  SCOPES.SITES_WRITE,
  SCOPES.PLANS_WRITE,
  SCOPES.PLANS_PUBLISH,
  SCOPES.USERS_ADMIN,
  SCOPES.MACHINES_ADMIN,
  SCOPES.PRIVACY_ADMIN,
  SCOPES.AUDIT_READ,
  SCOPES.PLATFORM_ADMIN,
];

export const ROLES = ["admin", "facilities", "employee"] as const;
export type Role = (typeof ROLES)[number];

const EMPLOYEE: readonly Scope[] = [
  SCOPES.ORG_READ,
  SCOPES.ACCOUNT_MANAGE,
  SCOPES.SITES_READ,
  SCOPES.PLANS_READ,
  SCOPES.LIVE_READ,
  SCOPES.BOOKINGS_OWN_READ,
  SCOPES.BOOKINGS_OWN_WRITE,
  SCOPES.OCCUPANCY_READ,
];
const FACILITIES: readonly Scope[] = [
  ...EMPLOYEE,
  SCOPES.BOOKINGS_SITE_READ,
  SCOPES.ANALYTICS_READ,
  SCOPES.PLANS_WRITE,
  SCOPES.PLANS_PUBLISH,
];

/** What each role's access tokens carry; `platform:admin` is added only for users flagged as platform operators. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  employee: EMPLOYEE,
  facilities: FACILITIES,
  admin: [
    ...FACILITIES,
    SCOPES.ORG_ADMIN,
    SCOPES.SITES_WRITE,
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
  gateway: [SCOPES.GATEWAY_SYNC, SCOPES.PLANS_READ, SCOPES.SITES_READ, SCOPES.BOOKINGS_SITE_READ],
  kiosk: [SCOPES.KIOSK_OPERATE, SCOPES.PLANS_READ, SCOPES.SITES_READ, SCOPES.OCCUPANCY_READ],
  integration: [
    SCOPES.OCCUPANCY_READ,
    SCOPES.ANALYTICS_READ,
    SCOPES.PLANS_READ,
    SCOPES.SITES_READ,
    SCOPES.BOOKINGS_SITE_READ,
    SCOPES.LIVE_READ,
  ],
};

export const MACHINE_DEFAULT_SCOPES: Readonly<Record<MachineKind, readonly Scope[]>> = {
  gateway: [SCOPES.GATEWAY_SYNC, SCOPES.PLANS_READ, SCOPES.SITES_READ],
  kiosk: [SCOPES.KIOSK_OPERATE, SCOPES.PLANS_READ, SCOPES.OCCUPANCY_READ],
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
  /** The login session and access token a user principal came with (for logout). */
  session?: { sid: string; jti: string; expiresAt: Date };
  /**
   * When the credential it came with lapses: a user's access token, a machine credential with an expiry; absent
   * when it never does. Nothing re-checks a socket after its handshake, so its live sockets are dropped then.
   */
  expiresAt?: Date;
}

/** How a principal is named in stored rows (`createdBy`) and the audit log: an id, never a name. */
export function subjectOf(principal: Pick<Principal, "kind" | "id">): string {
  return `${principal.kind}:${principal.id}`;
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
