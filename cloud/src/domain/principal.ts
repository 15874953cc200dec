/**
 * Permissions a route or namespace can require. Tokens carry a subset; the admin token carries all of them.
 * Machines (gateways, kiosks) are to get only what they need: never an `*:admin` or `*:write` scope.
 */
export const SCOPES = [
  "org:read",
  "org:admin",
  "sites:read",
  "sites:write",
  "plans:read",
  "plans:write",
  "plans:publish",
  "live:read",
  "gateway:connect",
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling. Every request and socket has one; every query is scoped by its organisation. */
export interface Principal {
  orgId: string;
  /** Opaque subject id (token id today, user id once accounts exist); never a name or e-mail. */
  subject: string;
  kind: "user" | "machine";
  scopes: readonly Scope[];
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope);
}
