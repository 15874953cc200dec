import { type Algorithm, type Options, type Version, hash, parseOptions, verify } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";
import { normalizePassword } from "./password-policy.js";

/** OWASP Password Storage Cheat Sheet / ASVS 11.4.2 minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMS = {
  algorithm: 2 as Algorithm, // Argon2id (an ambient const enum, which isolatedModules cannot read)
  version: 1 as Version, // 0x13
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

export interface PasswordHasherOptions {
  /** Optional pepper kept outside the database (e.g. derived from the master key); changing it invalidates hashes. */
  pepper?: Buffer;
}

/**
 * argon2id password hashing. Passwords are NFKC-normalised here, so the same typed password verifies whatever
 * Unicode form the client sent. Nothing is truncated: argon2 takes the whole input.
 */
export class PasswordHasher {
  private readonly options: Options;
  private dummyHash: Promise<string> | undefined;

  constructor(options: PasswordHasherOptions = {}) {
    this.options = { ...ARGON2_PARAMS, ...(options.pepper ? { secret: options.pepper } : {}) };
  }

  /** PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` */
  hash(password: string): Promise<string> {
    return hash(normalizePassword(password), this.options);
  }

  /** False for a wrong password and for anything that is not a valid argon2 hash; never throws on bad input. */
  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, normalizePassword(password), this.options);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same work as a real verification and returns false. Call it when the account does not exist, so an
   * unknown user and a wrong password take the same time.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(randomBytes(24).toString("base64url"));
    await this.verify(await this.dummyHash, password);
    return false;
  }

  /** Computes the dummy hash and loads the native module; the first argon2 call is several times slower. */
  async warmUp(): Promise<void> {
    await this.verifyAgainstDummy("warm-up");
  }

  /** True when a stored hash was made with other parameters: rehash it after the next successful login. */
  needsRehash(phc: string): boolean {
    try {
      const parsed = parseOptions(phc);
      return (
        parsed.algorithm !== ARGON2_PARAMS.algorithm ||
        parsed.version !== ARGON2_PARAMS.version ||
        parsed.memoryCost !== ARGON2_PARAMS.memoryCost ||
        parsed.timeCost !== ARGON2_PARAMS.timeCost ||
        parsed.parallelism !== ARGON2_PARAMS.parallelism ||
        parsed.outputLen !== ARGON2_PARAMS.outputLen
      );
    } catch {
      return true;
    }
  }
}
