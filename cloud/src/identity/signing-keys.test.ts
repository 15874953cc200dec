import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMasterKeyRing, generateMasterKey } from "../crypto/master-key.js";
import { FileSigningKeyStore } from "./signing-key-file-store.js";
import { SigningKeyRing } from "./signing-keys.js";
import { AccessTokenService } from "./tokens.js";

const t0 = new Date("2026-03-01T08:00:00Z");
const grace = 15 * 60_000;
let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "desk-sk-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("FileSigningKeyStore", () => {
  it("persists the ring with private keys sealed, mode 0600, and reopens it with the same keys", async () => {
    const masterKeys = createMasterKeyRing([generateMasterKey()]);
    const store = new FileSigningKeyStore(dataDir);
    const ring = await SigningKeyRing.open({ store, masterKeys, retiredKeyGraceMs: grace }, t0);
    const tokens = new AccessTokenService({ keys: ring, issuer: "https://i", audience: "a" });
    const { token } = await tokens.issue({ sub: "u1", orgId: "o", scopes: [], sid: "s", ver: 0, sites: "*" }, t0);

    const text = await readFile(store.path, "utf8");
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(text).not.toMatch(/"d"\s*:/);
    expect(text).toContain("sealedPrivateJwk");

    const reopened = await SigningKeyRing.open(
      { store: new FileSigningKeyStore(dataDir), masterKeys, retiredKeyGraceMs: grace },
      t0,
    );
    expect(reopened.jwks(t0)).toEqual(ring.jwks(t0));
    const verifier = new AccessTokenService({ keys: reopened, issuer: "https://i", audience: "a" });
    expect((await verifier.verify(token, t0)).ok).toBe(true);
  });

  it("refuses to open with the wrong master key", async () => {
    const store = new FileSigningKeyStore(dataDir);
    await SigningKeyRing.open(
      { store, masterKeys: createMasterKeyRing([generateMasterKey()]), retiredKeyGraceMs: grace },
      t0,
    );
    await expect(
      SigningKeyRing.open(
        { store, masterKeys: createMasterKeyRing([generateMasterKey()]), retiredKeyGraceMs: grace },
        t0,
      ),
    ).rejects.toThrow(/cannot be unsealed/);
  });

  it("re-seals private keys after a master-key rotation", async () => {
    const oldKey = generateMasterKey();
    const store = new FileSigningKeyStore(dataDir);
    const rotated = createMasterKeyRing([generateMasterKey(), oldKey]);
    const ring = await SigningKeyRing.open(
      { store, masterKeys: createMasterKeyRing([oldKey]), retiredKeyGraceMs: grace },
      t0,
    );
    const before = ring.jwks(t0);
    const during = await SigningKeyRing.open({ store, masterKeys: rotated, retiredKeyGraceMs: grace }, t0);
    await during.resealPrivateKeys();
    const onlyNew = createMasterKeyRing([rotated.current.key]);
    const after = await SigningKeyRing.open({ store, masterKeys: onlyNew, retiredKeyGraceMs: grace }, t0);
    expect(after.jwks(t0)).toEqual(before);
    expect((await after.signingKey()).kid).toBe(before.keys[0]?.kid);
  });

  it("lets a second instance pick up a rotation on reload", async () => {
    const masterKeys = createMasterKeyRing([generateMasterKey()]);
    const a = await SigningKeyRing.open(
      { store: new FileSigningKeyStore(dataDir), masterKeys, retiredKeyGraceMs: grace },
      t0,
    );
    const b = await SigningKeyRing.open(
      { store: new FileSigningKeyStore(dataDir), masterKeys, retiredKeyGraceMs: grace },
      t0,
    );
    await a.rotate(t0);
    await b.reload(t0);
    expect((await b.signingKey()).kid).toBe((await a.signingKey()).kid);
  });
});
