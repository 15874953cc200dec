import { describe, expect, it } from "vitest";
import { decryptField, encryptField, fieldAad, generateDataKey, unwrapDataKey, wrapDataKey } from "./envelope.js";
import { createMasterKeyRing, generateMasterKey } from "./master-key.js";

describe("field encryption", () => {
  const dek = generateDataKey();
  const aad = fieldAad("User", "email", "u1");

  it("round-trips and hides the plaintext", () => {
    const ciphertext = encryptField("ada@example.com", dek, aad);
    expect(ciphertext).toMatch(/^v1\.dk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(ciphertext).not.toContain("ada");
    expect(decryptField(ciphertext, dek, aad)).toEqual({ ok: true, value: "ada@example.com" });
  });

  it("uses a fresh IV for every encryption", () => {
    expect(encryptField("same", dek, aad)).not.toBe(encryptField("same", dek, aad));
  });

  it("rejects a ciphertext moved to another row or column (AAD swap)", () => {
    const ciphertext = encryptField("ada@example.com", dek, aad);
    expect(decryptField(ciphertext, dek, fieldAad("User", "email", "u2"))).toEqual({
      ok: false,
      code: "decrypt_failed",
    });
    expect(decryptField(ciphertext, dek, fieldAad("User", "name", "u1")).ok).toBe(false);
  });

  it("rejects tampered ciphertext, tag and IV", () => {
    const parts = encryptField("ada@example.com", dek, aad).split(".");
    for (const index of [2, 3, 4]) {
      const changed = [...parts];
      const bytes = Buffer.from(changed[index] ?? "", "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      changed[index] = bytes.toString("base64url");
      expect(decryptField(changed.join("."), dek, aad)).toEqual({ ok: false, code: "decrypt_failed" });
    }
  });

  it("refuses another data key and malformed input", () => {
    const ciphertext = encryptField("x", dek, aad);
    expect(decryptField(ciphertext, generateDataKey(), aad)).toEqual({ ok: false, code: "wrong_data_key" });
    const otherWithSameId = { id: dek.id, key: generateDataKey().key };
    expect(decryptField(ciphertext, otherWithSameId, aad)).toEqual({ ok: false, code: "decrypt_failed" });
    expect(decryptField("plain text", dek, aad)).toEqual({ ok: false, code: "malformed" });
  });
});

describe("data key wrapping", () => {
  it("unwraps only for the same owner and key id under a known master key", () => {
    const ring = createMasterKeyRing([generateMasterKey()]);
    const dek = generateDataKey();
    const wrapped = wrapDataKey(dek, "org1", ring);
    const unwrapped = unwrapDataKey(wrapped, "org1", dek.id, ring);
    expect(unwrapped.ok && unwrapped.dataKey.key.equals(dek.key)).toBe(true);
    expect(unwrapDataKey(wrapped, "org2", dek.id, ring)).toEqual({ ok: false, code: "decrypt_failed" });
    expect(unwrapDataKey(wrapped, "org1", "dk_other", ring)).toEqual({ ok: false, code: "decrypt_failed" });
    expect(unwrapDataKey(wrapped, "org1", dek.id, createMasterKeyRing([generateMasterKey()]))).toEqual({
      ok: false,
      code: "unknown_master_key",
    });
  });
});
