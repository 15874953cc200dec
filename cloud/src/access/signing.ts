import type { MasterKeyRing } from "../crypto/master-key.js";
import type { RevocationRepository } from "../db/repositories/revocations.js";
import { SigningKeyRing, type PublicJwk, type SigningKeyStore } from "../identity/signing-keys.js";
import { AccessTokenService, type AccessTokenInput, type VerifyAccessTokenResult } from "../identity/tokens.js";

export interface SigningOptions {
  store: SigningKeyStore;
  revocations: RevocationRepository;
  masterKeys: () => MasterKeyRing;
  reloadMasterKeys: () => Promise<MasterKeyRing>;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** A current key older than this is rotated at start-up. */
  rotateAfterMs: number;
}

/**
 * The signing-key ring and the access-token service on top of it, kept in step with the other instances: an
 * emergency or scheduled rotation counts a key generation in the database, and an instance that sees a newer
 * generation reloads its keys before it verifies the next token.
 */
export class Signing {
  private ring!: SigningKeyRing;
  private tokens!: AccessTokenService;
  private generation = -1;
  private reloading: Promise<void> | undefined;

  private constructor(private readonly options: SigningOptions) {}

  static async open(options: SigningOptions, now: Date): Promise<Signing> {
    const signing = new Signing(options);
    await signing.load((await options.revocations.platformState()).keyGeneration, now);
    const current = (await options.store.load()).find((key) => key.status === "current");
    if (current && now.getTime() - Date.parse(current.createdAt) >= options.rotateAfterMs) {
      await signing.rotate(now);
    }
    return signing;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(input: AccessTokenInput, now: Date): Promise<{ token: string; jti: string; expiresAt: Date }> {
    await this.sync(now);
    return this.tokens.issue(input, now);
  }

  async verify(token: string, now: Date): Promise<VerifyAccessTokenResult> {
    await this.sync(now);
    return this.tokens.verify(token, now);
  }

  async jwks(now: Date): Promise<{ keys: PublicJwk[] }> {
    await this.sync(now);
    return this.ring.jwks(now);
  }

  /** Scheduled rotation: the next key signs from now on, the current one verifies until its tokens expired. */
  async rotate(now: Date): Promise<void> {
    await this.ring.rotate(now);
    const state = await this.options.revocations.advancePlatform(0);
    this.generation = state.keyGeneration;
  }

  /** Incident response: every key is replaced, so no token signed so far verifies anywhere. */
  async emergencyRotate(now: Date, epoch: number): Promise<void> {
    await this.ring.emergencyRotate(now);
    const state = await this.options.revocations.advancePlatform(epoch);
    this.generation = state.keyGeneration;
  }

  private async sync(now: Date): Promise<void> {
    const { keyGeneration } = await this.options.revocations.platformState();
    if (keyGeneration === this.generation) return;
    this.reloading ??= this.load(keyGeneration, now).finally(() => (this.reloading = undefined));
    await this.reloading;
  }

  private async load(generation: number, now: Date): Promise<void> {
    const open = (masterKeys: MasterKeyRing) =>
      SigningKeyRing.open(
        { store: this.options.store, masterKeys, retiredKeyGraceMs: (this.options.ttlSeconds + 5) * 1000 },
        now,
      );
    let ring: SigningKeyRing;
    try {
      ring = await open(this.options.masterKeys());
    } catch {
      // Sealed under a master key this process has not loaded yet (rotated by the CLI).
      ring = await open(await this.options.reloadMasterKeys());
    }
    this.ring = ring;
    this.tokens = new AccessTokenService({
      keys: ring,
      issuer: this.options.issuer,
      audience: this.options.audience,
      ttlSeconds: this.options.ttlSeconds,
    });
    this.generation = generation;
  }
}
