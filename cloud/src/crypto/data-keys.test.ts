import { describe, expect, it } from "vitest";
import { DataKeyService, InMemoryDataKeyStore, type KeyAccessEvent, type KeyAccessLog } from "./data-keys.js";
import { fieldAad } from "./envelope.js";
import { createMasterKeyRing, generateMasterKey } from "./master-key.js";

class RecordingLog implements KeyAccessLog {
  readonly events: KeyAccessEvent[] = [];
  failing = false;
  record(event: KeyAccessEvent): Promise<void> {
    if (this.failing) return Promise.reject(new Error("disk full"));
    this.events.push(event);
    return Promise.resolve();
  }
}

const ctx = { actor: "user:u1", purpose: "profile-read" };
const t0 = new Date("2026-03-01T08:00:00Z");
const later = (ms: number) => new Date(t0.getTime() + ms);

function setup(options: { cacheTtlMs?: number } = {}) {
  const store = new InMemoryDataKeyStore();
  const log = new RecordingLog();
  const ring = createMasterKeyRing([generateMasterKey()]);
  const service = new DataKeyService({ store, log, masterKeys: ring, ...options });
  return { store, log, ring, service };
}

describe("DataKeyService", () => {
  it("creates one DEK per organisation and logs its creation", async () => {
    const { service, log, store } = setup();
    const a = await service.currentKey("org1", ctx, t0);
    const b = await service.currentKey("org1", ctx, t0);
    const other = await service.currentKey("org2", ctx, t0);
    expect(a.id).toBe(b.id);
    expect(other.id).not.toBe(a.id);
    expect((await store.listAll()).map((r) => r.wrapped).join()).not.toContain(a.key.toString("base64url"));
    expect(log.events.map((e) => [e.operation, e.ownerId, e.actor, e.purpose])).toEqual([
      ["create", "org1", "user:u1", "profile-read"],
      ["create", "org2", "user:u1", "profile-read"],
    ]);
  });

  it("writes every unwrap to the key-access log with who, which key, why and when", async () => {
    const first = setup({ cacheTtlMs: 0 });
    const ciphertext = await first.service.encrypt("org1", "Ada Lovelace", fieldAad("User", "name", "u1"), ctx, t0);
    const reader = new DataKeyService({ store: first.store, log: first.log, masterKeys: first.ring, cacheTtlMs: 0 });
    const at = later(5000);
    const plain = await reader.decrypt(
      "org1",
      ciphertext,
      fieldAad("User", "name", "u1"),
      { actor: "user:u9", purpose: "export" },
      at,
    );
    expect(plain).toEqual({ ok: true, value: "Ada Lovelace" });
    const unwrap = first.log.events.filter((e) => e.operation === "unwrap").at(-1);
    expect(unwrap).toMatchObject({
      actor: "user:u9",
      purpose: "export",
      ownerId: "org1",
      at,
      masterKeyId: first.ring.current.id,
    });
    expect(unwrap?.keyId).toMatch(/^dk_/);
  });

  it("fails closed: no key and no plaintext when the key-access log cannot be written", async () => {
    const { service, log, store, ring } = setup();
    const ciphertext = await service.encrypt("org1", "Ada", "User.name#u1", ctx, t0);
    const fresh = new DataKeyService({ store, log, masterKeys: ring });
    log.failing = true;
    await expect(fresh.decrypt("org1", ciphertext, "User.name#u1", ctx, t0)).rejects.toMatchObject({
      code: "key_access_log_failed",
    });
    await expect(fresh.currentKey("org-new", ctx, t0)).rejects.toMatchObject({ code: "key_access_log_failed" });
    expect(await store.list("org-new")).toEqual([]);
  });

  it("keeps an unwrapped key only for the cache TTL", async () => {
    const { service, store, log, ring } = setup();
    await service.currentKey("org1", ctx, t0);
    const fresh = new DataKeyService({ store, log, masterKeys: ring, cacheTtlMs: 60_000 });
    await fresh.currentKey("org1", ctx, t0);
    await fresh.currentKey("org1", ctx, later(59_000));
    await fresh.currentKey("org1", ctx, later(60_000));
    expect(log.events.filter((e) => e.operation === "unwrap")).toHaveLength(2);
  });

  it("fails closed with a wrong master key", async () => {
    const { service, store, log } = setup();
    const ciphertext = await service.encrypt("org1", "Ada", "User.name#u1", ctx, t0);
    const wrongRing = createMasterKeyRing([generateMasterKey()]);
    const wrong = new DataKeyService({ store, log, masterKeys: wrongRing });
    await expect(wrong.decrypt("org1", ciphertext, "User.name#u1", ctx, t0)).rejects.toMatchObject({
      code: "unwrap_failed",
    });
  });

  it("rotates the master key without touching field ciphertexts and keeps data readable", async () => {
    const { service, store, log, ring } = setup({ cacheTtlMs: 0 });
    const cipherA = await service.encrypt("org1", "Ada", "User.name#u1", ctx, t0);
    const cipherB = await service.encrypt("org2", "Grace", "User.name#u2", ctx, t0);
    const rotated = createMasterKeyRing([generateMasterKey(), ...ring.all.map((k) => k.key)]);
    service.setMasterKeys(rotated);
    expect(await service.rewrapAll({ actor: "system:cli", purpose: "kek-rotation" }, t0)).toEqual({
      rewrapped: 2,
      alreadyCurrent: 0,
    });
    expect(await service.rewrapAll({ actor: "system:cli", purpose: "kek-rotation" }, t0)).toEqual({
      rewrapped: 0,
      alreadyCurrent: 2,
    });
    expect((await store.listAll()).every((row) => row.wrapped.split(".")[1] === rotated.current.id)).toBe(true);
    const onlyNew = createMasterKeyRing([rotated.current.key]);
    const reader = new DataKeyService({ store, log, masterKeys: onlyNew });
    expect(await reader.decrypt("org1", cipherA, "User.name#u1", ctx, t0)).toEqual({ ok: true, value: "Ada" });
    expect(await reader.decrypt("org2", cipherB, "User.name#u2", ctx, t0)).toEqual({ ok: true, value: "Grace" });
    expect(log.events.filter((e) => e.operation === "rewrap")).toHaveLength(2);
  });

  it("does not decrypt another organisation's field with its own key", async () => {
    const { service } = setup();
    const cipher = await service.encrypt("org1", "Ada", "User.name#u1", ctx, t0);
    await service.currentKey("org2", ctx, t0);
    await expect(service.decrypt("org2", cipher, "User.name#u1", ctx, t0)).rejects.toMatchObject({
      code: "unknown_data_key",
    });
  });
});
