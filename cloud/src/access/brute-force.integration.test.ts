import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AuditEntry, UserCreated } from "@desksharing/protocol";

import type { ApiClient, ApiResponse } from "../test-support/client.js";
import { startTestCloud, type TestCloud } from "../test-support/cloud.js";
import { PROVIDERS_UNDER_TEST } from "../test-support/databases.js";

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe.each(PROVIDERS_UNDER_TEST)("brute-force limits on %s", (provider) => {
  let t: TestCloud;
  let anonymous: ApiClient;
  let address = 0;
  /** A fresh loopback address per call: the server sees a different client each time. */
  const nextAddress = (): string => `127.0.${1 + Math.floor(address / 250)}.${1 + (address++ % 250)}`;

  const login = (email: string, password: string, localAddress = nextAddress()): Promise<ApiResponse> =>
    anonymous.request("POST", "/api/v1/auth/login", { json: { email, password }, localAddress });

  const newUser = async (): Promise<{ email: string; password: string }> => {
    const email = `bf-${Math.random().toString(36).slice(2)}@example.com`;
    const created = (await t.admin.post("/api/v1/users", { name: "Bruno Force", email, role: "employee" }))
      .json as UserCreated;
    return { email, password: created.initialPassword };
  };

  /** Waits out a delay by retrying: refused attempts are not counted, so polling does not extend it. */
  const loginOnceAllowed = async (email: string, password: string): Promise<ApiResponse> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await login(email, password);
      if (response.status !== 429 || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  beforeAll(async () => {
    t = await startTestCloud(provider, {
      access: {
        throttle: {
          account: { freeAttempts: 3, baseDelayMs: 300, maxDelayMs: 300, lockAfter: 6, lockMs: 60_000 },
          address: { freeAttempts: 3, baseDelayMs: 300, maxDelayMs: 300, lockAfter: 50 },
        },
      },
    });
    anonymous = t.admin.as(null);
  });
  afterAll(() => t?.stop());

  it("answers an unknown user and a wrong password alike, in similar time", async () => {
    const users = await Promise.all([newUser(), newUser(), newUser()]);
    const unknown: number[] = [];
    const wrong: number[] = [];
    const bodies = new Set<string>();
    for (let round = 0; round < 3; round += 1) {
      for (const user of users) {
        let started = performance.now();
        const a = await login(`nobody-${round}-${user.email}`, "some guess of a password");
        unknown.push(performance.now() - started);
        started = performance.now();
        const b = await login(user.email, "some guess of a password");
        wrong.push(performance.now() - started);
        expect([a.status, b.status]).toEqual([401, 401]);
        bodies.add(a.text).add(b.text);
      }
    }
    expect([...bodies]).toEqual([
      '{"error":{"code":"UNAUTHENTICATED","message":"e-mail address or password is wrong"}}',
    ]);
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it("limits one account across many addresses with 429 and Retry-After, and audits the lockout", async () => {
    const user = await newUser();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect((await login(user.email, "wrong password number x")).status).toBe(401);
    }
    const limited = await login(user.email, user.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(limited.json).toMatchObject({ error: { code: "RATE_LIMITED" } });

    expect((await loginOnceAllowed(user.email, "wrong password number 5")).status).toBe(401);
    expect((await loginOnceAllowed(user.email, "wrong password number 6")).status).toBe(401);
    // Locked now: even the right password from yet another address is refused for the lock's duration.
    const locked = await login(user.email, user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(30);
    const events = ((await t.admin.get("/api/v1/audit/events?limit=500")).json as { items: AuditEntry[] }).items;
    const lockouts = events.filter((event) => event.action === "authn_lockout");
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ details: { scope: "account" } });
    expect(JSON.stringify(lockouts)).not.toContain(user.email);
    expect(events.filter((event) => event.action === "authn_login_fail").length).toBeGreaterThanOrEqual(6);
  });

  it("limits one address across many accounts", async () => {
    const from = nextAddress();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      expect((await login(`guess-${attempt}@example.com`, "a wrong password", from)).status).toBe(401);
    }
    const limited = await login("guess-5@example.com", "a wrong password", from);
    expect(limited.status).toBe(429);
    // Another address is not affected.
    expect((await login("guess-5@example.com", "a wrong password")).status).toBe(401);
  });
});
