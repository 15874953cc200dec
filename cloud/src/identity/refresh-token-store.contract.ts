import { describe, expect, it } from "vitest";
import type { RefreshTokenStore } from "./refresh-sessions.js";
import { type RefreshTokenRecord, generateRefreshToken } from "./refresh-tokens.js";

const t0 = new Date("2026-03-01T08:00:00Z");

function record(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    hash: generateRefreshToken().hash,
    familyId: "fam_a",
    userId: "u1",
    orgId: "org1",
    createdAt: t0,
    familyCreatedAt: t0,
    usedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/**
 * The behaviour every RefreshTokenStore must show. The in-memory store runs it in refresh-sessions.test.ts; the
 * database implementation runs the same function in its integration test.
 */
export function refreshTokenStoreContract(name: string, makeStore: () => Promise<RefreshTokenStore>): void {
  describe(`RefreshTokenStore contract: ${name}`, () => {
    it("finds a token by hash and keeps its dates", async () => {
      const store = await makeStore();
      const row = record();
      await store.insert(row);
      expect(await store.findByHash(row.hash)).toEqual(row);
      expect(await store.findByHash(generateRefreshToken().hash)).toBeNull();
    });

    it("rotates a token once only, even when two rotations race", async () => {
      const store = await makeStore();
      const row = record();
      await store.insert(row);
      const results = await Promise.all([store.rotate(row.hash, t0, record()), store.rotate(row.hash, t0, record())]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.findByHash(row.hash))?.usedAt).toEqual(t0);
    });

    it("does not rotate a revoked token", async () => {
      const store = await makeStore();
      const row = record();
      await store.insert(row);
      await store.revokeFamily(row.familyId, t0);
      expect(await store.rotate(row.hash, t0, record())).toBe(false);
    });

    it("revokes a family, a user, and everything", async () => {
      const store = await makeStore();
      const a1 = record({ familyId: "fam_a" });
      const a2 = record({ familyId: "fam_a" });
      const b = record({ familyId: "fam_b" });
      const other = record({ familyId: "fam_c", userId: "u2" });
      for (const row of [a1, a2, b, other]) await store.insert(row);
      expect(await store.revokeFamily("fam_a", t0)).toBe(2);
      expect((await store.findByHash(b.hash))?.revokedAt).toBeNull();
      expect((await store.listSessions("u1")).map((s) => s.familyId)).toEqual(["fam_b"]);
      expect(await store.revokeUser("u1", t0)).toBe(1);
      expect((await store.findByHash(other.hash))?.revokedAt).toBeNull();
      expect(await store.revokeAll(t0)).toBe(1);
      expect((await store.findByHash(other.hash))?.revokedAt).toEqual(t0);
    });
  });
}
