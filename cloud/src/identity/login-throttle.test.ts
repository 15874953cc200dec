import { describe, expect, it } from "vitest";
import {
  DEFAULT_ACCOUNT_RULE,
  InMemoryThrottleStore,
  LoginThrottle,
  type ThrottleKeys,
  addressBucket,
  countAttempt,
  retryAfterMs,
} from "./login-throttle.js";

const t0 = new Date("2026-03-01T08:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const victim = (address: string): ThrottleKeys => ({ account: "ada@example.com", address });

/** Fails a login the way the route does: attempt, then failed when allowed. */
async function fail(throttle: LoginThrottle, keys: ThrottleKeys, now: Date) {
  const decision = await throttle.attempt(keys, now);
  return { decision, lockouts: decision.allowed ? await throttle.failed(keys, now) : [] };
}

describe("throttle rule", () => {
  it("lets a few attempts through, then delays exponentially up to the cap", () => {
    let state = undefined;
    const delays: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      state = countAttempt(state, 0, DEFAULT_ACCOUNT_RULE);
      delays.push(retryAfterMs(state, 0, DEFAULT_ACCOUNT_RULE));
    }
    expect(delays).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000]);
  });

  it("locks after the limit, doubles the next lock and forgets after a quiet day", () => {
    let state = undefined;
    for (let i = 0; i < 10; i += 1) state = countAttempt(state, 0, DEFAULT_ACCOUNT_RULE);
    expect(retryAfterMs(state, 0, DEFAULT_ACCOUNT_RULE)).toBe(15 * 60_000);
    const after = 15 * 60_000;
    for (let i = 0; i < 10; i += 1) state = countAttempt(state, after, DEFAULT_ACCOUNT_RULE);
    expect(retryAfterMs(state, after, DEFAULT_ACCOUNT_RULE)).toBe(30 * 60_000);
    expect(retryAfterMs(state, after + 30 * 60_000 + 24 * 60 * 60_000, DEFAULT_ACCOUNT_RULE)).toBe(0);
  });
});

describe("LoginThrottle", () => {
  it("limits one account across many addresses and reports the lockout once", async () => {
    const throttle = new LoginThrottle();
    let now = t0.getTime();
    const lockouts = [];
    for (let i = 0; i < 10; i += 1) {
      const result = await fail(throttle, victim(`127.0.0.${i + 1}`), new Date(now));
      expect(result.decision.allowed).toBe(true);
      lockouts.push(...result.lockouts);
      now += 60_000;
    }
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ scope: "account", lockCount: 1 });
    expect(lockouts[0]?.key).not.toContain("ada");
    const refused = await throttle.attempt(victim("127.0.0.99"), new Date(now));
    expect(refused).toMatchObject({ allowed: false, scope: "account" });
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(await throttle.failed(victim("127.0.0.99"), new Date(now))).toEqual([]);
  });

  it("treats an unknown account exactly like a known one", async () => {
    const throttle = new LoginThrottle();
    const decisions = [];
    for (const account of ["ada@example.com", "nobody@example.com"]) {
      for (let i = 0; i < 5; i += 1)
        decisions.push((await fail(throttle, { account, address: "127.0.0.1" }, t0)).decision);
    }
    expect(decisions.slice(0, 5)).toEqual(decisions.slice(5));
  });

  it("keys the account on the identifier as typed, ignoring case and spaces", async () => {
    const throttle = new LoginThrottle({ account: { freeAttempts: 0 } });
    await fail(throttle, { account: "Ada@Example.com ", address: "127.0.0.1" }, t0);
    expect(await throttle.attempt({ account: "ada@example.com", address: "127.0.0.2" }, t0)).toMatchObject({
      allowed: false,
      scope: "account",
      retryAfterMs: 1000,
    });
  });

  it("limits one address spraying many accounts", async () => {
    const throttle = new LoginThrottle({ address: { freeAttempts: 2, lockAfter: 5 } });
    let now = t0.getTime();
    const lockouts = [];
    for (let i = 0; i < 5; i += 1) {
      const result = await fail(throttle, { account: `user${i}@example.com`, address: "127.0.0.7" }, new Date(now));
      expect(result.decision.allowed).toBe(true);
      lockouts.push(...result.lockouts);
      now += 10 * 60_000;
    }
    expect(lockouts).toEqual([expect.objectContaining({ scope: "address", key: "127.0.0.7" })]);
    expect(await throttle.attempt({ account: "fresh@example.com", address: "127.0.0.7" }, new Date(now))).toMatchObject(
      {
        allowed: false,
        scope: "address",
      },
    );
    expect(
      (await throttle.attempt({ account: "fresh@example.com", address: "127.0.0.8" }, new Date(now))).allowed,
    ).toBe(true);
  });

  it("counts parallel attempts before any of them finishes", async () => {
    const throttle = new LoginThrottle({ account: { freeAttempts: 3 } });
    const decisions = await Promise.all(
      Array.from({ length: 6 }, (_, i) => throttle.attempt(victim(`127.0.1.${i}`), t0)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
  });

  it("clears the account on success but does not let a success erase an address's failures", async () => {
    const throttle = new LoginThrottle({ account: { freeAttempts: 1 }, address: { freeAttempts: 2 } });
    await fail(throttle, victim("127.0.0.1"), t0);
    await fail(throttle, victim("127.0.0.1"), t0);
    expect((await throttle.attempt(victim("127.0.0.1"), at(500))).allowed).toBe(false);
    expect((await throttle.attempt(victim("127.0.0.1"), at(1000))).allowed).toBe(true);
    await throttle.succeeded(victim("127.0.0.1"), at(1000));
    expect((await throttle.attempt(victim("127.0.0.1"), at(1000))).allowed).toBe(true);
    await throttle.failed(victim("127.0.0.1"), at(1000));
    const spray = await throttle.attempt({ account: "other@example.com", address: "127.0.0.1" }, at(1000));
    expect(spray).toMatchObject({ allowed: false, scope: "address" });
  });

  it("does not extend a lock when a locked account keeps being tried", async () => {
    const throttle = new LoginThrottle({ account: { freeAttempts: 100, lockAfter: 2 } });
    await fail(throttle, victim("127.0.0.1"), t0);
    await fail(throttle, victim("127.0.0.1"), t0);
    for (let i = 1; i < 10; i += 1) await throttle.attempt(victim("127.0.0.1"), at(i * 60_000));
    expect((await throttle.attempt(victim("127.0.0.1"), at(15 * 60_000))).allowed).toBe(true);
  });
});

describe("addressBucket", () => {
  it("groups IPv6 by /64 and unwraps IPv4-mapped addresses", () => {
    expect(addressBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("::ffff:192.0.2.4")).toBe("192.0.2.4");
    expect(addressBucket("192.0.2.4")).toBe("192.0.2.4");
  });
});

describe("InMemoryThrottleStore", () => {
  it("stays bounded", async () => {
    const store = new InMemoryThrottleStore(10);
    for (let i = 0; i < 50; i += 1) {
      await store.update(`k${i}`, (s) => countAttempt(s, 0, DEFAULT_ACCOUNT_RULE), 0, 1000);
    }
    expect(store.size).toBeLessThanOrEqual(10);
  });
});
