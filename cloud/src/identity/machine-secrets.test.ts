import { describe, expect, it } from "vitest";
import { findSecrets } from "../crypto/audit-redaction.js";
import {
  type MachineCredentialRecord,
  generateMachineSecret,
  hashMachineSecret,
  machineCredentialDecision,
  parseMachineSecret,
  shouldRecordUse,
  verifyMachineSecret,
} from "./machine-secrets.js";
import { generateRefreshToken } from "./refresh-tokens.js";
import { SCOPES } from "./scopes.js";

const now = new Date("2026-03-01T08:00:00Z");

function recordFor(
  secret: string,
  hash: string,
  overrides: Partial<MachineCredentialRecord> = {},
): MachineCredentialRecord {
  return {
    id: "mc1",
    orgId: "org1",
    siteId: "hq",
    kind: parseMachineSecret(secret)?.kind ?? "kiosk",
    name: "Lobby kiosk",
    scopes: [SCOPES.KIOSK_OPERATE, SCOPES.PLANS_READ],
    hash,
    hint: "",
    createdBy: "user:u1",
    createdAt: now,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

describe("machine secrets", () => {
  it("are prefixed with their kind, carry 256 random bits and a checksum, and are stored hashed", () => {
    const { secret, hash, hint } = generateMachineSecret("gateway");
    expect(secret).toMatch(/^dsk_gateway_[A-Za-z0-9_-]{49}$/);
    expect(hint).toBe(secret.slice(0, "dsk_gateway_".length + 4));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseMachineSecret(secret)).toEqual({ kind: "gateway" });
    expect(hashMachineSecret(secret)).toBe(hash);
    expect(verifyMachineSecret(secret, hash)).toBe(true);
    expect(generateMachineSecret("gateway").secret).not.toBe(secret);
  });

  it("rejects typos, other kinds and foreign strings by format and checksum", () => {
    const { secret } = generateMachineSecret("kiosk");
    const last = secret.at(-8) === "A" ? "B" : "A";
    const typo = `${secret.slice(0, -8)}${last}${secret.slice(-7)}`;
    expect(parseMachineSecret(typo)).toBeNull();
    expect(parseMachineSecret(secret.replace("dsk_kiosk_", "dsk_gateway_"))).toBeNull();
    expect(parseMachineSecret(secret.replace("dsk_kiosk_", "dsk_admin_"))).toBeNull();
    expect(hashMachineSecret("Bearer something")).toBeNull();
    expect(verifyMachineSecret(secret, "0".repeat(64))).toBe(false);
  });
});

describe("machineCredentialDecision", () => {
  it("binds the principal to its site and its kind's scopes", () => {
    const { secret, hash } = generateMachineSecret("kiosk");
    const tampered = recordFor(secret, hash, { scopes: [SCOPES.KIOSK_OPERATE, SCOPES.USERS_ADMIN] });
    expect(machineCredentialDecision(secret, tampered, now)).toEqual({
      ok: true,
      principal: { kind: "machine", id: "mc1", orgId: "org1", scopes: [SCOPES.KIOSK_OPERATE], siteIds: ["hq"] },
    });
  });

  it("refuses unknown, revoked, expired and mismatched credentials", () => {
    const { secret, hash } = generateMachineSecret("kiosk");
    expect(machineCredentialDecision(secret, null, now)).toEqual({ ok: false, code: "unknown" });
    expect(machineCredentialDecision(secret, recordFor(secret, "f".repeat(64)), now)).toEqual({
      ok: false,
      code: "unknown",
    });
    expect(machineCredentialDecision(secret, recordFor(secret, hash, { revokedAt: now }), now)).toEqual({
      ok: false,
      code: "revoked",
    });
    expect(machineCredentialDecision(secret, recordFor(secret, hash, { expiresAt: now }), now)).toEqual({
      ok: false,
      code: "expired",
    });
    expect(
      machineCredentialDecision(secret, recordFor(secret, hash, { expiresAt: new Date(now.getTime() + 1) }), now).ok,
    ).toBe(true);
    expect(machineCredentialDecision(secret, recordFor(secret, hash, { kind: "gateway" }), now)).toEqual({
      ok: false,
      code: "kind_mismatch",
    });
  });

  it("records last use at most once a minute", () => {
    expect(shouldRecordUse(null, now)).toBe(true);
    expect(shouldRecordUse(new Date(now.getTime() - 59_000), now)).toBe(false);
    expect(shouldRecordUse(new Date(now.getTime() - 60_000), now)).toBe(true);
  });
});

describe("audit redaction", () => {
  it("recognises every credential this module and the refresh tokens generate", () => {
    for (const kind of ["gateway", "kiosk", "integration"] as const) {
      const { secret, hint } = generateMachineSecret(kind);
      expect(findSecrets({ note: secret })).toEqual(["$.note"]);
      expect(findSecrets({ credentialHint: hint })).toEqual([]);
    }
    expect(findSecrets({ note: generateRefreshToken().token })).toEqual(["$.note"]);
  });
});
