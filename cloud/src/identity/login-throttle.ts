import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

/**
 * How one kind of key (an account, an address) is throttled: a few free attempts, then an exponential delay between
 * attempts, then a time-limited lockout that doubles each time. Lockouts are never permanent, so nobody can lock a
 * colleague out for good (ASVS 6.1.1), and an account sees at most a few dozen guesses a day (NIST: <= 100).
 */
export interface ThrottleRule {
  freeAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  lockAfter: number;
  lockMs: number;
  maxLockMs: number;
  /** Quiet time after which the record is forgotten. */
  resetAfterMs: number;
}

export const DEFAULT_ACCOUNT_RULE: ThrottleRule = {
  freeAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 60 * 60_000,
  resetAfterMs: 24 * 60 * 60_000,
};

/** Looser than the account rule: an office behind one NAT address shares it. */
export const DEFAULT_ADDRESS_RULE: ThrottleRule = {
  freeAttempts: 20,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  lockAfter: 100,
  lockMs: 15 * 60_000,
  maxLockMs: 24 * 60 * 60_000,
  resetAfterMs: 24 * 60 * 60_000,
};

export interface ThrottleState {
  /** Attempts counted since the last lockout or reset; counted up front, taken back on success. */
  failures: number;
  lastAttemptAt: number;
  nextAllowedAt: number;
  lockedUntil: number;
  lockCount: number;
  lockReported: boolean;
}

function current(state: ThrottleState | undefined, now: number, rule: ThrottleRule): ThrottleState | undefined {
  if (!state) return undefined;
  if (state.lockedUntil > now) return state;
  if (now - state.lastAttemptAt >= rule.resetAfterMs) return undefined;
  // A lockout that has run out starts a fresh count, but the next one lasts twice as long.
  if (state.lockedUntil > 0) return { ...state, failures: 0, nextAllowedAt: 0, lockedUntil: 0, lockReported: false };
  return state;
}

export function retryAfterMs(state: ThrottleState | undefined, now: number, rule: ThrottleRule): number {
  const live = current(state, now, rule);
  if (!live) return 0;
  return Math.max(0, live.lockedUntil - now, live.nextAllowedAt - now);
}

function delayAfter(failures: number, rule: ThrottleRule): number {
  if (failures <= rule.freeAttempts) return 0;
  return Math.min(rule.baseDelayMs * 2 ** (failures - rule.freeAttempts - 1), rule.maxDelayMs);
}

/** Counts an attempt. Blocked attempts are not counted, so hammering a locked account does not extend its lock. */
export function countAttempt(state: ThrottleState | undefined, now: number, rule: ThrottleRule): ThrottleState {
  const live = current(state, now, rule) ?? {
    failures: 0,
    lastAttemptAt: now,
    nextAllowedAt: 0,
    lockedUntil: 0,
    lockCount: 0,
    lockReported: false,
  };
  const failures = live.failures + 1;
  if (failures >= rule.lockAfter) {
    const lockCount = live.lockCount + 1;
    const lockMs = Math.min(rule.lockMs * 2 ** (lockCount - 1), rule.maxLockMs);
    return {
      failures,
      lastAttemptAt: now,
      nextAllowedAt: 0,
      lockedUntil: now + lockMs,
      lockCount,
      lockReported: false,
    };
  }
  const delayMs = delayAfter(failures, rule);
  return { ...live, failures, lastAttemptAt: now, nextAllowedAt: delayMs > 0 ? now + delayMs : 0 };
}

/** Takes back the up-front count of an attempt that turned out to be a success (a lockout already set stays). */
export function uncountAttempt(state: ThrottleState | undefined, rule: ThrottleRule): ThrottleState | undefined {
  if (!state) return undefined;
  const failures = Math.max(0, state.failures - 1);
  const delayMs = delayAfter(failures, rule);
  return { ...state, failures, nextAllowedAt: delayMs > 0 ? state.lastAttemptAt + delayMs : 0 };
}

/**
 * Atomic read-modify-write per key. The in-memory store is the state holder of a single instance; several cloud
 * instances need a shared implementation (Redis with a Lua script) so limits hold across them.
 */
export interface ThrottleStore {
  update(
    key: string,
    change: (state: ThrottleState | undefined) => ThrottleState | undefined,
    now: number,
    ttlMs: number,
  ): Promise<ThrottleState | undefined>;
}

export class InMemoryThrottleStore implements ThrottleStore {
  private readonly entries = new Map<string, { state: ThrottleState; expiresAt: number }>();
  private operations = 0;

  constructor(private readonly maxEntries = 100_000) {}

  update(
    key: string,
    change: (state: ThrottleState | undefined) => ThrottleState | undefined,
    now: number,
    ttlMs: number,
  ): Promise<ThrottleState | undefined> {
    this.operations += 1;
    if (this.operations % 1000 === 0) this.sweep(now);
    const entry = this.entries.get(key);
    const next = change(entry && entry.expiresAt > now ? entry.state : undefined);
    this.entries.delete(key);
    if (next) {
      if (this.entries.size >= this.maxEntries) this.sweep(now);
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, { state: next, expiresAt: now + ttlMs });
    }
    return Promise.resolve(next);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}

/** Groups IPv6 addresses by /64 (one customer line) and unwraps IPv4-mapped IPv6 addresses. */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]!.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The login name as typed decides the key, whether or not the account exists, so both cases behave the same. */
function accountKey(identifier: string): string {
  const normalized = identifier.normalize("NFKC").trim().toLowerCase();
  return `acct:${createHash("sha256").update(normalized).digest("base64url")}`;
}

export interface ThrottleKeys {
  /** the login identifier as typed (e-mail address) */
  account: string;
  /** the client address as seen through the trusted proxies */
  address: string;
}

export type ThrottleDecision =
  { allowed: true } | { allowed: false; scope: "account" | "address"; retryAfterMs: number; retryAfterSeconds: number };

export interface LockoutEvent {
  scope: "account" | "address";
  /** a hash for accounts (no e-mail in logs), the address bucket for addresses */
  key: string;
  lockedUntil: Date;
  lockCount: number;
}

/**
 * Login brute-force limiter with the clock as a parameter. Use it as: `attempt` before verifying the password
 * (refuse with 429 + Retry-After when not allowed), then `failed` or `succeeded`. `failed` returns the lockouts to
 * write to the audit log, each once.
 */
export class LoginThrottle {
  private readonly store: ThrottleStore;
  private readonly accountRule: ThrottleRule;
  private readonly addressRule: ThrottleRule;

  constructor(
    options: { store?: ThrottleStore; account?: Partial<ThrottleRule>; address?: Partial<ThrottleRule> } = {},
  ) {
    this.store = options.store ?? new InMemoryThrottleStore();
    this.accountRule = { ...DEFAULT_ACCOUNT_RULE, ...options.account };
    this.addressRule = { ...DEFAULT_ADDRESS_RULE, ...options.address };
  }

  async attempt(keys: ThrottleKeys, now: Date): Promise<ThrottleDecision> {
    const at = now.getTime();
    const accountKeyValue = accountKey(keys.account);
    const addressKeyValue = `addr:${addressBucket(keys.address)}`;
    // Peek at the account first so a blocked account does not cost its address an attempt.
    const accountWait = retryAfterMs(
      await this.update(accountKeyValue, this.accountRule, at, (s) => s),
      at,
      this.accountRule,
    );
    if (accountWait > 0) return this.refusal("account", accountWait);
    const address = await this.checkAndCount(addressKeyValue, this.addressRule, at);
    if (address > 0) return this.refusal("address", address);
    const account = await this.checkAndCount(accountKeyValue, this.accountRule, at);
    if (account > 0) {
      await this.update(addressKeyValue, this.addressRule, at, (s) => uncountAttempt(s, this.addressRule));
      return this.refusal("account", account);
    }
    return { allowed: true };
  }

  async failed(keys: ThrottleKeys, now: Date): Promise<LockoutEvent[]> {
    const at = now.getTime();
    const events: LockoutEvent[] = [];
    const report = (scope: LockoutEvent["scope"], key: string) => (state: ThrottleState | undefined) => {
      if (!state || state.lockReported || state.lockedUntil <= at) return state;
      events.push({ scope, key: key.slice(5), lockedUntil: new Date(state.lockedUntil), lockCount: state.lockCount });
      return { ...state, lockReported: true };
    };
    const accountKeyValue = accountKey(keys.account);
    const addressKeyValue = `addr:${addressBucket(keys.address)}`;
    await this.update(accountKeyValue, this.accountRule, at, report("account", accountKeyValue));
    await this.update(addressKeyValue, this.addressRule, at, report("address", addressKeyValue));
    return events;
  }

  async succeeded(keys: ThrottleKeys, now: Date): Promise<void> {
    const at = now.getTime();
    await this.update(accountKey(keys.account), this.accountRule, at, () => undefined);
    await this.update(`addr:${addressBucket(keys.address)}`, this.addressRule, at, (s) =>
      uncountAttempt(s, this.addressRule),
    );
  }

  private async checkAndCount(key: string, rule: ThrottleRule, at: number): Promise<number> {
    let waitMs = 0;
    await this.update(key, rule, at, (state) => {
      waitMs = retryAfterMs(state, at, rule);
      return waitMs > 0 ? state : countAttempt(state, at, rule);
    });
    return waitMs;
  }

  private update(
    key: string,
    rule: ThrottleRule,
    at: number,
    change: (state: ThrottleState | undefined) => ThrottleState | undefined,
  ): Promise<ThrottleState | undefined> {
    return this.store.update(key, change, at, rule.resetAfterMs + rule.maxLockMs);
  }

  private refusal(scope: "account" | "address", waitMs: number): ThrottleDecision {
    return { allowed: false, scope, retryAfterMs: waitMs, retryAfterSeconds: Math.ceil(waitMs / 1000) };
  }
}
