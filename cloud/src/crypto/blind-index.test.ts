import { describe, expect, it } from "vitest";
import { blindIndex, deriveBlindIndexKey, emailBlindIndex, loadBlindIndexKey } from "./blind-index.js";
import { DataKeyService, InMemoryDataKeyStore } from "./data-keys.js";
import { createMasterKeyRing, generateMasterKey } from "./master-key.js";

const root = Buffer.alloc(32, 7);
const ctx = { actor: "system:login", purpose: "email-lookup" };
const now = new Date("2026-03-01T08:00:00Z");

describe("blind index", () => {
  it("is stable and ignores case, surrounding space and Unicode compatibility forms of an e-mail", () => {
    const key = deriveBlindIndexKey(root, "email");
    const index = emailBlindIndex("Ada.Lovelace@Example.com", key);
    expect(emailBlindIndex("  ada.lovelace@example.COM ", key)).toBe(index);
    expect(emailBlindIndex("ａｄａ.lovelace@example.com", key)).toBe(index);
    expect(emailBlindIndex("ada.lovelace@example.org", key)).not.toBe(index);
    expect(index).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("separates purposes and keys", () => {
    const email = deriveBlindIndexKey(root, "email");
    const badge = deriveBlindIndexKey(root, "badge");
    expect(email.equals(badge)).toBe(false);
    expect(email.equals(root)).toBe(false);
    expect(blindIndex("x", email)).not.toBe(blindIndex("x", badge));
    expect(blindIndex("x", deriveBlindIndexKey(Buffer.alloc(32, 8), "email"))).not.toBe(blindIndex("x", email));
  });

  it("survives a master-key rotation because the root is a re-wrapped platform key", async () => {
    const store = new InMemoryDataKeyStore();
    const log = { record: () => Promise.resolve() };
    const ring = createMasterKeyRing([generateMasterKey()]);
    const service = new DataKeyService({ store, log, masterKeys: ring, cacheTtlMs: 0 });
    const before = emailBlindIndex("ada@example.com", await loadBlindIndexKey(service, "email", ctx, now));
    const rotated = createMasterKeyRing([generateMasterKey(), ring.current.key]);
    service.setMasterKeys(rotated);
    await service.rewrapAll(ctx, now);
    const afterService = new DataKeyService({ store, log, masterKeys: createMasterKeyRing([rotated.current.key]) });
    const after = emailBlindIndex("ada@example.com", await loadBlindIndexKey(afterService, "email", ctx, now));
    expect(after).toBe(before);
  });
});
