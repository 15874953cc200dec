import { describe, expect, it } from "vitest";
import { InMemoryRefreshTokenStore, RefreshSessions } from "./refresh-sessions.js";
import { refreshTokenStoreContract } from "./refresh-token-store.contract.js";
import { generateRefreshToken, hashRefreshToken, refreshDecision } from "./refresh-tokens.js";

const t0 = new Date("2026-03-01T08:00:00Z");
const minutes = (m: number) => new Date(t0.getTime() + m * 60_000);
const subject = { userId: "u1", orgId: "org1" };

refreshTokenStoreContract("in memory", () => Promise.resolve(new InMemoryRefreshTokenStore()));

describe("refresh token format", () => {
  it("is a prefixed 256-bit secret stored only as its hash", () => {
    const { token, hash } = generateRefreshToken();
    expect(token).toMatch(/^dsr_[A-Za-z0-9_-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token.slice(4));
    expect(hashRefreshToken(token)).toBe(hash);
    expect(hashRefreshToken("dsr_short")).toBeNull();
    expect(hashRefreshToken(`${token} `)).toBeNull();
  });
});

describe("refreshDecision", () => {
  const policy = { idleTimeoutMs: 60 * 60_000, absoluteLifetimeMs: 24 * 60 * 60_000 };
  const row = {
    hash: "h",
    familyId: "fam_a",
    userId: "u1",
    orgId: "org1",
    createdAt: minutes(0),
    familyCreatedAt: minutes(0),
    usedAt: null,
    revokedAt: null,
  };
  it("decides rotate, reuse, revoked, expired and unknown", () => {
    expect(refreshDecision(row, minutes(59), policy)).toMatchObject({ action: "rotate", familyId: "fam_a" });
    expect(refreshDecision({ ...row, usedAt: minutes(1) }, minutes(2), policy)).toMatchObject({
      action: "reuse_detected",
      familyId: "fam_a",
      userId: "u1",
    });
    expect(refreshDecision({ ...row, revokedAt: minutes(1) }, minutes(2), policy)).toEqual({
      action: "revoked",
      familyId: "fam_a",
    });
    expect(refreshDecision(row, minutes(60), policy)).toEqual({ action: "expired", familyId: "fam_a", reason: "idle" });
    const active = { ...row, createdAt: minutes(24 * 60 - 5) };
    expect(refreshDecision(active, minutes(24 * 60), policy)).toEqual({
      action: "expired",
      familyId: "fam_a",
      reason: "absolute",
    });
    expect(refreshDecision(null, minutes(0), policy)).toEqual({ action: "unknown" });
  });
});

describe("RefreshSessions", () => {
  it("rotates on every use: the new token works, the old one is spent", async () => {
    const sessions = new RefreshSessions(new InMemoryRefreshTokenStore());
    const login = await sessions.start(subject, t0);
    const first = await sessions.refresh(login.token, minutes(10));
    if (!first.ok) throw new Error(first.code);
    expect(first).toMatchObject({ familyId: login.familyId, userId: "u1", orgId: "org1" });
    expect(first.token).not.toBe(login.token);
    const second = await sessions.refresh(first.token, minutes(20));
    expect(second.ok).toBe(true);
  });

  it("revokes the whole family when a used token comes back, and the revocation stays", async () => {
    const store = new InMemoryRefreshTokenStore();
    const sessions = new RefreshSessions(store);
    const login = await sessions.start(subject, t0);
    const other = await sessions.start(subject, t0);
    const rotated = await sessions.refresh(login.token, minutes(1));
    if (!rotated.ok) throw new Error(rotated.code);
    expect(await sessions.refresh(login.token, minutes(2))).toEqual({
      ok: false,
      code: "reuse_detected",
      familyId: login.familyId,
      userId: "u1",
      orgId: "org1",
    });
    expect(await sessions.refresh(rotated.token, minutes(3))).toEqual({
      ok: false,
      code: "revoked",
      familyId: login.familyId,
    });
    expect((await sessions.refresh(other.token, minutes(3))).ok).toBe(true);
  });

  it("treats two racing refreshes of one token as reuse", async () => {
    const sessions = new RefreshSessions(new InMemoryRefreshTokenStore());
    const login = await sessions.start(subject, t0);
    const results = await Promise.all([
      sessions.refresh(login.token, minutes(1)),
      sessions.refresh(login.token, minutes(1)),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ code: "reuse_detected" });
  });

  it("ends a session after the idle timeout and after the absolute lifetime", async () => {
    const sessions = new RefreshSessions(new InMemoryRefreshTokenStore());
    const idle = await sessions.start(subject, t0);
    expect(await sessions.refresh(idle.token, minutes(61))).toMatchObject({ ok: false, code: "expired" });
    let { token } = await sessions.start(subject, t0);
    for (let m = 50; m < 24 * 60; m += 50) {
      const result = await sessions.refresh(token, minutes(m));
      if (!result.ok) throw new Error(`${result.code} at ${m}`);
      token = result.token;
    }
    expect(await sessions.refresh(token, minutes(24 * 60 + 1))).toMatchObject({ ok: false, code: "expired" });
  });

  it("logs out one session, every session of a user, or everyone", async () => {
    const sessions = new RefreshSessions(new InMemoryRefreshTokenStore());
    const a = await sessions.start(subject, t0);
    const b = await sessions.start(subject, t0);
    const c = await sessions.start({ userId: "u2", orgId: "org1" }, t0);
    await sessions.logout(a.familyId, minutes(1));
    expect(await sessions.refresh(a.token, minutes(2))).toMatchObject({ ok: false, code: "revoked" });
    const bRotated = await sessions.refresh(b.token, minutes(2));
    if (!bRotated.ok) throw new Error(bRotated.code);
    await sessions.logoutEverywhere("u1", minutes(3));
    expect(await sessions.refresh(bRotated.token, minutes(4))).toMatchObject({ ok: false, code: "revoked" });
    expect((await sessions.refresh(c.token, minutes(4))).ok).toBe(true);
    await sessions.revokeAll(minutes(5));
    expect((await sessions.refresh(c.token, minutes(6))).ok).toBe(false);
  });

  it("answers unknown for garbage without a lookup", async () => {
    const sessions = new RefreshSessions(new InMemoryRefreshTokenStore());
    expect(await sessions.refresh("not-a-token", t0)).toEqual({ ok: false, code: "unknown" });
    expect(await sessions.refresh(generateRefreshToken().token, t0)).toEqual({ ok: false, code: "unknown" });
  });
});
