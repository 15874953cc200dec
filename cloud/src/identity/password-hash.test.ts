import { hash as rawHash } from "@node-rs/argon2";
import { beforeAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "./password-hash.js";

const hasher = new PasswordHasher();
beforeAll(() => hasher.warmUp());

describe("PasswordHasher", () => {
  it("produces an argon2id PHC string with the OWASP parameters and a random salt", async () => {
    const a = await hasher.hash("correct horse battery staple");
    const b = await hasher.hash("correct horse battery staple");
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(hasher.needsRehash(a)).toBe(false);
  });

  it("verifies the right password and refuses a wrong one", async () => {
    const phc = await hasher.hash("correct horse battery staple");
    expect(await hasher.verify(phc, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(phc, "correct horse battery stapl")).toBe(false);
    expect(await hasher.verify("not a hash", "x")).toBe(false);
  });

  it("does not truncate long passwords", async () => {
    const long = `${"a".repeat(200)}tail`;
    const phc = await hasher.hash(long);
    expect(await hasher.verify(phc, `${"a".repeat(200)}tail`)).toBe(true);
    expect(await hasher.verify(phc, `${"a".repeat(200)}tall`)).toBe(false);
    expect(await hasher.verify(phc, "a".repeat(200))).toBe(false);
  });

  it("verifies the same password typed in another Unicode form (NFKC)", async () => {
    const composed = "Grüße aus Köln am Rhein";
    const phc = await hasher.hash(composed);
    expect(await hasher.verify(phc, composed.normalize("NFD"))).toBe(true);
  });

  it("asks for a rehash of weaker or other-algorithm hashes", async () => {
    expect(hasher.needsRehash(await rawHash("x", { memoryCost: 4096, timeCost: 3, parallelism: 1 }))).toBe(true);
    expect(hasher.needsRehash(await rawHash("x", { algorithm: 1, memoryCost: 19456, timeCost: 2 }))).toBe(true);
    expect(hasher.needsRehash("$2b$10$abcdefghijklmnopqrstuv")).toBe(true);
  });

  it("binds hashes to the pepper when one is configured", async () => {
    const peppered = new PasswordHasher({ pepper: Buffer.alloc(32, 1) });
    const phc = await peppered.hash("correct horse battery staple");
    expect(await peppered.verify(phc, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(phc, "correct horse battery staple")).toBe(false);
  });

  it("spends comparable time on an unknown user as on a wrong password", async () => {
    const phc = await hasher.hash("correct horse battery staple");
    const time = async (fn: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const start = performance.now();
        await fn();
        samples.push(performance.now() - start);
      }
      return samples.sort((x, y) => x - y)[3]!;
    };
    const wrong = await time(() => hasher.verify(phc, "wrong password here"));
    const unknown = await time(() => hasher.verifyAgainstDummy("wrong password here"));
    expect(await hasher.verifyAgainstDummy("anything")).toBe(false);
    expect(unknown / wrong).toBeGreaterThan(0.5);
    expect(unknown / wrong).toBeLessThan(2);
  });
});
