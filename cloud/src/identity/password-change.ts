import { randomBytes } from "node:crypto";
import type { PasswordHasher } from "./password-hash.js";
import { type PasswordContext, type PasswordRefusal, checkPassword, normalizePassword } from "./password-policy.js";

export type PasswordChangeResult =
  | { ok: true; newHash: string }
  | { ok: false; code: "wrong_current_password" | "same_as_current" }
  | { ok: false; code: "policy"; reasons: PasswordRefusal[] };

/**
 * Checks the current password, then the policy, then hashes the new one. The caller stores the hash in the same
 * transaction that bumps the user's token version (ASVS 7.4.3: other sessions end on a credential change), counts
 * a wrong current password against the login throttle, and audits the change.
 */
export async function changePassword(
  hasher: PasswordHasher,
  input: { currentHash: string; currentPassword: string; newPassword: string; context: PasswordContext },
): Promise<PasswordChangeResult> {
  if (!(await hasher.verify(input.currentHash, input.currentPassword))) {
    return { ok: false, code: "wrong_current_password" };
  }
  if (normalizePassword(input.newPassword) === normalizePassword(input.currentPassword)) {
    return { ok: false, code: "same_as_current" };
  }
  const policy = checkPassword(input.newPassword, input.context);
  if (!policy.ok) return { ok: false, code: "policy", reasons: policy.reasons };
  return { ok: true, newHash: await hasher.hash(input.newPassword) };
}

/**
 * A one-time password for the first admin (or an admin-initiated reset), shown once: 144 random bits, written in
 * groups so it can be read off a terminal.
 */
export function generateInitialPassword(): string {
  const raw = randomBytes(18).toString("base64url");
  return raw.match(/.{1,6}/g)!.join("-");
}
