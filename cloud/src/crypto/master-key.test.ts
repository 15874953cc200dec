import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MASTER_KEY_ENV,
  createMasterKeyRing,
  generateMasterKey,
  loadMasterKeys,
  openWithMasterKey,
  removeMasterKeyFromFile,
  rotateMasterKeyFile,
  sealWithMasterKey,
} from "./master-key.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "desk-mk-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("loadMasterKeys", () => {
  it("creates DATA_DIR/master.key with mode 0600 on first start and reuses it afterwards", async () => {
    const first = await loadMasterKeys({ dataDir: join(dataDir, "nested"), env: {} });
    expect(first.ok && first.created && first.source).toBe("file");
    const mode = (await stat(join(dataDir, "nested", "master.key"))).mode & 0o777;
    expect(mode).toBe(0o600);
    const second = await loadMasterKeys({ dataDir: join(dataDir, "nested"), env: {} });
    expect(second.ok && !second.created).toBe(true);
    expect(second.ok && first.ok && second.ring.current.id === first.ring.current.id).toBe(true);
  });

  it("prefers the environment and accepts older keys after the current one", async () => {
    const current = generateMasterKey();
    const old = generateMasterKey();
    const env = { [MASTER_KEY_ENV]: `${current.toString("base64")},${old.toString("base64")}` };
    const loaded = await loadMasterKeys({ dataDir, env });
    if (!loaded.ok) throw new Error(loaded.errors.join());
    expect(loaded.source).toBe("env");
    expect(loaded.ring.current.key.equals(current)).toBe(true);
    expect(loaded.ring.all).toHaveLength(2);
    await expect(stat(join(dataDir, "master.key"))).rejects.toThrow();
  });

  it("reports every malformed key at once", async () => {
    const loaded = await loadMasterKeys({ dataDir, env: { [MASTER_KEY_ENV]: "c2hvcnQ=,not base64!" } });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.errors).toHaveLength(2);
  });

  it("warns when the key file is readable by others", async () => {
    await writeFile(join(dataDir, "master.key"), `${generateMasterKey().toString("base64")}\n`, { mode: 0o644 });
    const loaded = await loadMasterKeys({ dataDir, env: {} });
    expect(loaded.ok && loaded.warnings.length).toBe(1);
  });
});

describe("sealWithMasterKey", () => {
  it("round-trips and fails closed on a wrong key, another purpose or tampering", () => {
    const ring = createMasterKeyRing([generateMasterKey()]);
    const sealed = sealWithMasterKey(ring, Buffer.from("secret bytes"), "signing-key#k1");
    const opened = openWithMasterKey(ring, sealed, "signing-key#k1");
    expect(opened.ok && opened.plaintext.toString()).toBe("secret bytes");
    expect(openWithMasterKey(ring, sealed, "signing-key#k2")).toEqual({ ok: false, code: "decrypt_failed" });
    const otherRing = createMasterKeyRing([generateMasterKey()]);
    expect(openWithMasterKey(otherRing, sealed, "signing-key#k1")).toEqual({ ok: false, code: "unknown_master_key" });
    const parts = sealed.split(".");
    parts[4] = Buffer.from("other bytes!").toString("base64url");
    expect(openWithMasterKey(ring, parts.join("."), "signing-key#k1")).toEqual({ ok: false, code: "decrypt_failed" });
    expect(openWithMasterKey(ring, "v2.x.y", "signing-key#k1")).toEqual({ ok: false, code: "malformed" });
  });

  it("does not let a ciphertext be relabelled with another KEK id", () => {
    const a = generateMasterKey();
    const ring = createMasterKeyRing([a]);
    const sealed = sealWithMasterKey(ring, Buffer.from("x"), "p");
    const forged = createMasterKeyRing([generateMasterKey(), a]);
    const relabelled = sealed.replace(ring.current.id, forged.current.id);
    expect(openWithMasterKey(forged, relabelled, "p").ok).toBe(false);
  });
});

describe("master key file rotation", () => {
  it("puts a new key first, keeps the old one for unwrapping and removes it on request", async () => {
    const initial = await loadMasterKeys({ dataDir, env: {} });
    if (!initial.ok) throw new Error("load failed");
    const oldId = initial.ring.current.id;
    const rotated = await rotateMasterKeyFile(dataDir);
    expect(rotated.current.id).not.toBe(oldId);
    expect(rotated.byId(oldId)).toBeDefined();
    expect((await stat(join(dataDir, "master.key"))).mode & 0o777).toBe(0o600);
    await expect(removeMasterKeyFromFile(dataDir, rotated.current.id)).rejects.toThrow(/current/);
    const trimmed = await removeMasterKeyFromFile(dataDir, oldId);
    expect(trimmed.all.map((k) => k.id)).toEqual([rotated.current.id]);
    expect(await readFile(join(dataDir, "master.key"), "utf8")).not.toContain(
      initial.ring.current.key.toString("base64"),
    );
  });
});
