import { beforeAll, describe, expect, it } from "vitest";
import { checkPassword, contextWords, passwordLength, warmUpPasswordPolicy } from "./password-policy.js";

const single = {
  hasSecondFactor: false,
  userInputs: ["Ada Lovelace", "ada.lovelace@example.com", "Analytical Engines Ltd"],
};
const withMfa = { ...single, hasSecondFactor: true };

function codes(result: ReturnType<typeof checkPassword>): string[] {
  return result.ok ? [] : result.reasons.map((reason) => reason.code);
}

beforeAll(() => warmUpPasswordPolicy());

describe("password length", () => {
  it("refuses 14 characters and accepts 15 without a second factor", () => {
    const refused = checkPassword("vqzt wkrb mnpd", single);
    expect(codes(refused)).toEqual(["too_short"]);
    expect(!refused.ok && refused.reasons[0]?.message).toMatch(/at least 15 characters \(this one has 14\)/);
    expect(checkPassword("vqzt wkrb mnpdx", single)).toMatchObject({ ok: true });
  });

  it("accepts 8 characters once a second factor exists", () => {
    expect(checkPassword("Zq7#vN2p", withMfa)).toMatchObject({ ok: true });
    expect(codes(checkPassword("Zq7#vN2", withMfa))).toEqual(["too_short"]);
    expect(codes(checkPassword("password", withMfa))).toEqual(expect.arrayContaining(["blocklisted", "too_weak"]));
    expect(codes(checkPassword("Zq7#vN2pXw", single))).toEqual(["too_short"]);
  });

  it("accepts 64 and 128 characters and refuses more than 256", () => {
    const phrase = "glacier tangerine obsidian parsnip quarrel velvet";
    expect(checkPassword(phrase.repeat(3).slice(0, 64), single)).toMatchObject({ ok: true });
    expect(checkPassword(`${phrase} ${phrase} ${phrase}`.slice(0, 128), single)).toMatchObject({ ok: true });
    expect(codes(checkPassword("x".repeat(257), single))).toEqual(["too_long"]);
    expect(codes(checkPassword("x".repeat(100_000), single))).toEqual(["too_long"]);
  });

  it("counts code points after NFKC normalisation", () => {
    expect(passwordLength("😀".repeat(15))).toBe(15);
    expect(passwordLength("ﬁ")).toBe(2);
    expect("😀".repeat(14).length).toBe(28);
    expect(codes(checkPassword("😀🐢🍉🚲🎻".repeat(2) + "😀🐢🍉🚲", single))).toEqual(["too_short"]);
  });
});

describe("password content", () => {
  it("needs no composition rules: all lower case letters and spaces are fine", () => {
    expect(checkPassword("correct horse battery staple", single)).toMatchObject({ ok: true });
    expect(checkPassword("orbitalpancakeswindle", single)).toMatchObject({ ok: true });
  });

  it("refuses a commonly used password with that reason", () => {
    const result = checkPassword("password", withMfa);
    expect(codes(result)).toContain("blocklisted");
    expect(!result.ok && result.reasons.find((r) => r.code === "blocklisted")?.message).toMatch(/commonly used/);
    expect(codes(checkPassword("1234567890123456", single))).toContain("too_weak");
  });

  it("refuses passwords built from the user's name, e-mail or organisation", () => {
    expect(codes(checkPassword("AdaLovelace2024!", single))).toContain("context_word");
    expect(codes(checkPassword("ada.lovelace@example.com", single))).toContain("context_word");
    expect(codes(checkPassword("analyticalengines1", single))).toContain("context_word");
    expect(checkPassword("AdaLovelace2024!", { ...single, userInputs: [] })).not.toMatchObject({
      reasons: [{ code: "context_word" }],
    });
  });

  it("refuses passwords built from the service name", () => {
    expect(codes(checkPassword("desksharing2025!", single))).toContain("context_word");
  });

  it("refuses low-scoring passwords with an explanation", () => {
    const result = checkPassword("aaaaaaaaaaaaaaaaaaaa", single);
    expect(codes(result)).toContain("too_weak");
    expect(!result.ok && result.reasons.find((r) => r.code === "too_weak")?.message).toMatch(/too easy to guess/);
    expect(codes(checkPassword("qwertyuiopasdfghjkl", single))).toContain("too_weak");
  });

  it("splits context into the words people reuse", () => {
    expect(contextWords(["ada.lovelace@example.com"])).toEqual(
      expect.arrayContaining(["ada.lovelace", "lovelace", "ada", "example", "adalovelaceexamplecom"]),
    );
  });
});
