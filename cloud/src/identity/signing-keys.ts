import { type CryptoKey, type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from "jose";
import { z } from "zod";
import { type MasterKeyRing, openWithMasterKey, sealWithMasterKey } from "../crypto/master-key.js";

/** The one signing algorithm: tokens with any other `alg` are refused before a key is even looked up. */
export const SIGNING_ALGORITHM = "EdDSA";

/**
 * `next` is published in the JWKS before it signs anything, so verifiers (other instances, resource servers
 * caching the JWKS) know it before the first token signed with it arrives. `retired` keys only verify, until the
 * last token they signed has expired.
 */
export type SigningKeyStatus = "next" | "current" | "retired";

/** A key as stored: the private JWK is sealed under the master key, so a stolen store alone signs nothing. */
export interface StoredSigningKey {
  kid: string;
  status: SigningKeyStatus;
  publicJwk: JWK;
  sealedPrivateJwk: string;
  createdAt: string;
  retiredAt: string | null;
}

export const StoredSigningKeySchema = z.object({
  kid: z.string().min(1),
  status: z.enum(["next", "current", "retired"]),
  publicJwk: z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(1) }),
  sealedPrivateJwk: z.string().min(1),
  createdAt: z.iso.datetime(),
  retiredAt: z.iso.datetime().nullable(),
});

/** Whole-ring load and save; a database implementation replaces the key set in one transaction. */
export interface SigningKeyStore {
  load(): Promise<StoredSigningKey[]>;
  save(keys: StoredSigningKey[]): Promise<void>;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: "sig";
}

export class InMemorySigningKeyStore implements SigningKeyStore {
  private keys: StoredSigningKey[] = [];

  load(): Promise<StoredSigningKey[]> {
    return Promise.resolve(this.keys.map((key) => ({ ...key })));
  }

  save(keys: StoredSigningKey[]): Promise<void> {
    this.keys = keys.map((key) => ({ ...key }));
    return Promise.resolve();
  }
}

export interface SigningKeyRingOptions {
  store: SigningKeyStore;
  masterKeys: MasterKeyRing;
  /** How long a retired key still verifies: the access-token lifetime plus clock tolerance. */
  retiredKeyGraceMs: number;
}

function privateKeyAad(kid: string): string {
  return `signing-key#${kid}`;
}

async function newKey(masterKeys: MasterKeyRing, status: SigningKeyStatus, now: Date): Promise<StoredSigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { crv: "Ed25519", extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const publicJwk: JWK = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x };
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  return {
    kid,
    status,
    publicJwk,
    sealedPrivateJwk: sealWithMasterKey(masterKeys, Buffer.from(JSON.stringify(privateJwk)), privateKeyAad(kid)),
    createdAt: now.toISOString(),
    retiredAt: null,
  };
}

/**
 * The access-token signing keys: one current (signs), one next (published, ready), and retired ones that still
 * verify until their tokens have expired. Only keys in this ring ever verify a token.
 */
export class SigningKeyRing {
  private keys: StoredSigningKey[] = [];
  private readonly imported = new Map<string, Promise<CryptoKey>>();

  private constructor(private readonly options: SigningKeyRingOptions) {}

  /** Loads the ring, creating the first keys on a fresh installation and dropping retired keys past their grace. */
  static async open(options: SigningKeyRingOptions, now: Date): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(options);
    await ring.reload(now);
    return ring;
  }

  /** Re-reads the store, e.g. after another instance rotated. */
  async reload(now: Date): Promise<void> {
    const loaded = (await this.options.store.load()).map(
      (key) => StoredSigningKeySchema.parse(key) as StoredSigningKey,
    );
    for (const key of loaded) {
      const opened = openWithMasterKey(this.options.masterKeys, key.sealedPrivateJwk, privateKeyAad(key.kid));
      if (!opened.ok) throw new Error(`signing key ${key.kid} cannot be unsealed (${opened.code})`);
    }
    let keys = loaded.filter((key) => !this.expired(key, now));
    let changed = keys.length !== loaded.length;
    if (!keys.some((key) => key.status === "current")) {
      const promoted = keys.find((key) => key.status === "next");
      keys = promoted
        ? keys.map((key) => (key === promoted ? { ...key, status: "current" as const } : key))
        : [...keys, await newKey(this.options.masterKeys, "current", now)];
      changed = true;
    }
    if (!keys.some((key) => key.status === "next")) {
      keys = [...keys, await newKey(this.options.masterKeys, "next", now)];
      changed = true;
    }
    this.keys = keys;
    if (changed) await this.options.store.save(keys);
  }

  /** The key new tokens are signed with. */
  async signingKey(): Promise<{ kid: string; key: CryptoKey }> {
    const current = this.keys.find((key) => key.status === "current");
    if (!current) throw new Error("signing key ring has no current key");
    return { kid: current.kid, key: await this.importKey(current, "private") };
  }

  /** The public key for a `kid`, or undefined when the ring does not hold it (or holds it no longer). */
  async verificationKey(kid: string, now: Date): Promise<CryptoKey | undefined> {
    const key = this.keys.find((candidate) => candidate.kid === kid && !this.expired(candidate, now));
    return key ? this.importKey(key, "public") : undefined;
  }

  /** The JWKS document: public parts only, current first. */
  jwks(now: Date): { keys: PublicJwk[] } {
    const order: Record<SigningKeyStatus, number> = { current: 0, next: 1, retired: 2 };
    return {
      keys: this.keys
        .filter((key) => !this.expired(key, now))
        .sort((a, b) => order[a.status] - order[b.status])
        .map((key) => ({
          kty: key.publicJwk.kty,
          crv: key.publicJwk.crv,
          x: key.publicJwk.x,
          kid: key.kid,
          alg: SIGNING_ALGORITHM,
          use: "sig",
        })),
    };
  }

  /** Scheduled rotation: next becomes current, current retires (still verifying), a new next is published. */
  async rotate(now: Date): Promise<void> {
    const next = this.keys.find((key) => key.status === "next");
    const keys = this.keys
      .filter((key) => !this.expired(key, now))
      .map((key): StoredSigningKey => {
        if (key.status === "current") return { ...key, status: "retired", retiredAt: now.toISOString() };
        if (key === next) return { ...key, status: "current" };
        return key;
      });
    keys.push(await newKey(this.options.masterKeys, "next", now));
    await this.options.store.save(keys);
    this.keys = keys;
  }

  /**
   * Incident response: every existing key goes, so every token signed so far stops verifying at once. The next key
   * goes too, since whatever exposed the current key exposed it as well.
   */
  async emergencyRotate(now: Date): Promise<void> {
    const keys = [
      await newKey(this.options.masterKeys, "current", now),
      await newKey(this.options.masterKeys, "next", now),
    ];
    await this.options.store.save(keys);
    this.keys = keys;
    this.imported.clear();
  }

  /** Re-seals every private key under the current master key (after a master-key rotation). */
  async resealPrivateKeys(): Promise<void> {
    const keys = this.keys.map((key) => {
      const opened = openWithMasterKey(this.options.masterKeys, key.sealedPrivateJwk, privateKeyAad(key.kid));
      if (!opened.ok) throw new Error(`signing key ${key.kid} cannot be unsealed (${opened.code})`);
      return {
        ...key,
        sealedPrivateJwk: sealWithMasterKey(this.options.masterKeys, opened.plaintext, privateKeyAad(key.kid)),
      };
    });
    await this.options.store.save(keys);
    this.keys = keys;
  }

  private expired(key: StoredSigningKey, now: Date): boolean {
    return (
      key.status === "retired" &&
      key.retiredAt !== null &&
      Date.parse(key.retiredAt) + this.options.retiredKeyGraceMs <= now.getTime()
    );
  }

  private importKey(key: StoredSigningKey, part: "private" | "public"): Promise<CryptoKey> {
    const cacheKey = `${part}:${key.kid}`;
    let imported = this.imported.get(cacheKey);
    if (!imported) {
      imported = (async () => {
        if (part === "public") return (await importJWK(key.publicJwk, SIGNING_ALGORITHM)) as CryptoKey;
        const opened = openWithMasterKey(this.options.masterKeys, key.sealedPrivateJwk, privateKeyAad(key.kid));
        if (!opened.ok) throw new Error(`signing key ${key.kid} cannot be unsealed (${opened.code})`);
        return (await importJWK(JSON.parse(opened.plaintext.toString("utf8")) as JWK, SIGNING_ALGORITHM)) as CryptoKey;
      })();
      this.imported.set(cacheKey, imported);
    }
    return imported;
  }
}
