import { beforeAll, describe, expect, it } from "vitest";
import { changePassword, generateInitialPassword } from "./password-change.js";
import { PasswordHasher } from "./password-hash.js";
import { checkPassword } from "./password-policy.js";

const hasher = new PasswordHasher();
const context = { hasSecondFactor: false, userInputs: ["Ada Lovelace", "ada@example.com", "Analytical Engines"] };
let currentHash: string;

beforeAll(async () => {
  currentHash = await hasher.hash("glacier tangerine obsidian");
});

describe("changePassword", () => {
  it("needs the current password", async () => {
    expect(
      await changePassword(hasher, {
        currentHash,
        currentPassword: "guess",
        newPassword: "orbital pancake swindle",
        context,
      }),
    ).toEqual({ ok: false, code: "wrong_current_password" });
  });

  it("refuses the same password and a password the policy refuses, with the reasons", async () => {
    const current = "glacier tangerine obsidian";
    expect(
      await changePassword(hasher, { currentHash, currentPassword: current, newPassword: current, context }),
    ).toEqual({
      ok: false,
      code: "same_as_current",
    });
    const weak = await changePassword(hasher, { currentHash, currentPassword: current, newPassword: "short", context });
    expect(weak).toMatchObject({ ok: false, code: "policy", reasons: [{ code: "too_short" }] });
  });

  it("returns a hash of the new password", async () => {
    const result = await changePassword(hasher, {
      currentHash,
      currentPassword: "glacier tangerine obsidian",
      newPassword: "orbital pancake swindle",
      context,
    });
    if (!result.ok) throw new Error(result.code);
    expect(await hasher.verify(result.newHash, "orbital pancake swindle")).toBe(true);
  });
});

describe("generateInitialPassword", () => {
  it("is random, long enough and accepted by the policy", () => {
    const a = generateInitialPassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{6}(-[A-Za-z0-9_-]{6}){3}$/);
    expect(generateInitialPassword()).not.toBe(a);
    expect(checkPassword(a, { hasSecondFactor: false, userInputs: ["admin"] })).toMatchObject({ ok: true });
  });
});
