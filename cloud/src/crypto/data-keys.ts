import {
  type DataKey,
  type DecryptFieldResult,
  decryptField,
  encryptField,
  fieldDataKeyId,
  generateDataKey,
  unwrapDataKey,
  wrapDataKey,
} from "./envelope.js";
import { parseSealed } from "./aead.js";
import type { MasterKeyRing } from "./master-key.js";

/** One wrapped DEK as stored (a Prisma model `DataKey { ownerId, keyId, wrapped, createdAt }` satisfies this). */
export interface StoredDataKey {
  ownerId: string;
  keyId: string;
  wrapped: string;
  createdAt: Date;
}

export interface DataKeyStore {
  /** The owner's keys, newest first; the newest is the one new data is encrypted with. */
  list(ownerId: string): Promise<StoredDataKey[]>;
  /** Every wrapped key of every owner, for a master-key rotation. */
  listAll(): Promise<StoredDataKey[]>;
  /** "conflict" when the owner already has a key: two instances creating one at once must end up with one. */
  insertFirst(row: StoredDataKey): Promise<"inserted" | "conflict">;
  /** Compare-and-set, so a rotation racing another never overwrites a newer wrapping. */
  replaceWrapped(ownerId: string, keyId: string, expected: string, replacement: string): Promise<boolean>;
}

export type KeyOperation = "create" | "unwrap" | "rewrap";

/** Who used which key, for what, and when. Written before the key is handed out. */
export interface KeyAccessEvent {
  actor: string;
  ownerId: string;
  keyId: string;
  masterKeyId: string;
  operation: KeyOperation;
  purpose: string;
  at: Date;
}

/** Must throw when the entry cannot be stored: the key operation then fails too (fail closed). */
export interface KeyAccessLog {
  record(event: KeyAccessEvent): Promise<void>;
}

export interface KeyAccessContext {
  /** e.g. `user:<id>`, `machine:<id>`, `system:retention` */
  actor: string;
  /** why the key is needed, e.g. `booking-list`, `data-export` */
  purpose: string;
}

export class KeyAccessError extends Error {
  constructor(
    readonly code: "key_access_log_failed" | "unwrap_failed" | "unknown_data_key",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "KeyAccessError";
  }
}

interface CachedKey {
  dataKey: DataKey;
  expiresAt: number;
}

export interface DataKeyServiceOptions {
  store: DataKeyStore;
  log: KeyAccessLog;
  masterKeys: MasterKeyRing;
  /**
   * How long an unwrapped DEK stays in memory. Cache hits are not unwraps and are not in the key-access log; keep
   * the TTL short and log sensitive reads at the application level. 0 disables the cache.
   */
  cacheTtlMs?: number;
  maxCachedKeys?: number;
}

/**
 * Hands out per-owner DEKs. Every unwrap and every creation is written to the key-access log first; if that write
 * fails, no key is returned.
 */
export class DataKeyService {
  private readonly store: DataKeyStore;
  private readonly log: KeyAccessLog;
  private masterKeys: MasterKeyRing;
  private readonly cacheTtlMs: number;
  private readonly maxCachedKeys: number;
  private readonly cache = new Map<string, CachedKey>();

  constructor(options: DataKeyServiceOptions) {
    this.store = options.store;
    this.log = options.log;
    this.masterKeys = options.masterKeys;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.maxCachedKeys = options.maxCachedKeys ?? 1000;
  }

  /** Swap in a ring after a KEK rotation; cached DEKs stay valid because the DEK bytes do not change. */
  setMasterKeys(ring: MasterKeyRing): void {
    this.masterKeys = ring;
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** The owner's current DEK, created on first use. */
  async currentKey(ownerId: string, context: KeyAccessContext, now: Date): Promise<DataKey> {
    const newest = (await this.store.list(ownerId))[0];
    if (newest) return this.unwrapCached(newest, context, now);
    const dataKey = generateDataKey();
    const row: StoredDataKey = {
      ownerId,
      keyId: dataKey.id,
      wrapped: wrapDataKey(dataKey, ownerId, this.masterKeys),
      createdAt: now,
    };
    await this.recordOrFail({ ...context, ownerId, keyId: dataKey.id, operation: "create", at: now });
    if ((await this.store.insertFirst(row)) === "conflict") return this.currentKey(ownerId, context, now);
    this.remember(ownerId, dataKey, now);
    return dataKey;
  }

  async keyById(ownerId: string, keyId: string, context: KeyAccessContext, now: Date): Promise<DataKey> {
    const cached = this.fromCache(ownerId, keyId, now);
    if (cached) return cached;
    const row = (await this.store.list(ownerId)).find((candidate) => candidate.keyId === keyId);
    if (!row) throw new KeyAccessError("unknown_data_key", `no data key ${keyId} for this owner`);
    return this.unwrapCached(row, context, now);
  }

  async encrypt(ownerId: string, plaintext: string, aad: string, context: KeyAccessContext, now: Date) {
    return encryptField(plaintext, await this.currentKey(ownerId, context, now), aad);
  }

  async decrypt(
    ownerId: string,
    ciphertext: string,
    aad: string,
    context: KeyAccessContext,
    now: Date,
  ): Promise<DecryptFieldResult> {
    const keyId = fieldDataKeyId(ciphertext);
    if (keyId === null) return { ok: false, code: "malformed" };
    return decryptField(ciphertext, await this.keyById(ownerId, keyId, context, now), aad);
  }

  /**
   * Re-wraps every DEK that is not under the current KEK. Field ciphertexts are untouched, readers keep working
   * throughout (the old KEK stays in the ring until this returns), and running it twice is harmless.
   */
  async rewrapAll(context: KeyAccessContext, now: Date): Promise<{ rewrapped: number; alreadyCurrent: number }> {
    const current = this.masterKeys.current.id;
    let rewrapped = 0;
    let alreadyCurrent = 0;
    for (const row of await this.store.listAll()) {
      const unwrapped = unwrapDataKey(row.wrapped, row.ownerId, row.keyId, this.masterKeys);
      if (!unwrapped.ok) {
        throw new KeyAccessError("unwrap_failed", `data key ${row.keyId} cannot be unwrapped (${unwrapped.code})`);
      }
      if (unwrapped.masterKeyId === current) {
        alreadyCurrent += 1;
        continue;
      }
      await this.recordOrFail({ ...context, ownerId: row.ownerId, keyId: row.keyId, operation: "rewrap", at: now });
      const replacement = wrapDataKey(unwrapped.dataKey, row.ownerId, this.masterKeys);
      if (await this.store.replaceWrapped(row.ownerId, row.keyId, row.wrapped, replacement)) rewrapped += 1;
      else alreadyCurrent += 1;
    }
    return { rewrapped, alreadyCurrent };
  }

  private async unwrapCached(row: StoredDataKey, context: KeyAccessContext, now: Date): Promise<DataKey> {
    const cached = this.fromCache(row.ownerId, row.keyId, now);
    if (cached) return cached;
    const masterKeyId = parseSealed(row.wrapped)?.keyId ?? "unknown";
    await this.recordOrFail({
      ...context,
      ownerId: row.ownerId,
      keyId: row.keyId,
      masterKeyId,
      operation: "unwrap",
      at: now,
    });
    const unwrapped = unwrapDataKey(row.wrapped, row.ownerId, row.keyId, this.masterKeys);
    if (!unwrapped.ok) {
      throw new KeyAccessError("unwrap_failed", `data key ${row.keyId} cannot be unwrapped (${unwrapped.code})`);
    }
    this.remember(row.ownerId, unwrapped.dataKey, now);
    return unwrapped.dataKey;
  }

  private async recordOrFail(event: Omit<KeyAccessEvent, "masterKeyId"> & { masterKeyId?: string }): Promise<void> {
    try {
      await this.log.record({ ...event, masterKeyId: event.masterKeyId ?? this.masterKeys.current.id });
    } catch (error) {
      throw new KeyAccessError("key_access_log_failed", "the key-access log could not be written", { cause: error });
    }
  }

  private fromCache(ownerId: string, keyId: string, now: Date): DataKey | undefined {
    const entry = this.cache.get(`${ownerId}/${keyId}`);
    if (!entry) return undefined;
    if (entry.expiresAt <= now.getTime()) {
      this.cache.delete(`${ownerId}/${keyId}`);
      return undefined;
    }
    return entry.dataKey;
  }

  private remember(ownerId: string, dataKey: DataKey, now: Date): void {
    if (this.cacheTtlMs <= 0) return;
    if (this.cache.size >= this.maxCachedKeys) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(`${ownerId}/${dataKey.id}`, { dataKey, expiresAt: now.getTime() + this.cacheTtlMs });
  }
}

/** The single-process store: used by tests and by tools that work on one instance's data in memory. */
export class InMemoryDataKeyStore implements DataKeyStore {
  private readonly rows: StoredDataKey[] = [];

  list(ownerId: string): Promise<StoredDataKey[]> {
    return Promise.resolve(
      this.rows
        .filter((row) => row.ownerId === ownerId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map((row) => ({ ...row })),
    );
  }

  listAll(): Promise<StoredDataKey[]> {
    return Promise.resolve(this.rows.map((row) => ({ ...row })));
  }

  insertFirst(row: StoredDataKey): Promise<"inserted" | "conflict"> {
    if (this.rows.some((existing) => existing.ownerId === row.ownerId)) return Promise.resolve("conflict");
    this.rows.push({ ...row });
    return Promise.resolve("inserted");
  }

  replaceWrapped(ownerId: string, keyId: string, expected: string, replacement: string): Promise<boolean> {
    const row = this.rows.find((r) => r.ownerId === ownerId && r.keyId === keyId && r.wrapped === expected);
    if (row) row.wrapped = replacement;
    return Promise.resolve(row !== undefined);
  }
}
