import { ERROR_CODES } from "@desksharing/protocol";

import { authorize, type Principal } from "../identity/scopes.js";
import { ApiError } from "./errors.js";

/**
 * The site half of `authorize`: users limited to some sites and machines bound to one are refused elsewhere.
 * Called once the site is known to belong to the caller's organisation (an unknown id answers 404 first).
 */
export function requireSite(principal: Principal, siteId: string): void {
  if (!authorize(principal, { scopes: [], siteId, orgId: principal.orgId }).ok) {
    throw new ApiError(ERROR_CODES.FORBIDDEN, "this credential is not allowed on this site");
  }
}

export function allowedSite(principal: Principal, siteId: string): boolean {
  return authorize(principal, { scopes: [], siteId }).ok;
}
