import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as zxcvbnCommon from "@zxcvbn-ts/language-common";
import * as zxcvbnDe from "@zxcvbn-ts/language-de";
import * as zxcvbnEn from "@zxcvbn-ts/language-en";

/**
 * NIST SP 800-63B-4: at least 15 characters for a password that is the only factor, 8 once a second factor
 * exists; at least 64 allowed (we allow 256, the most the strength estimator looks at); no composition rules;
 * a blocklist with the reason given. The zxcvbn score adds a guessability gate on top of that.
 */
export const PASSWORD_POLICY = {
  minLengthSingleFactor: 15,
  minLengthWithSecondFactor: 8,
  maxLength: 256,
  minScoreSingleFactor: 3,
  /**
   * zxcvbn rates every 8-character password at 10^8 guesses, which is score 2; requiring 3 here would silently
   * turn the 8-character minimum into 9. Common and context passwords still score 0-1 and stay refused.
   */
  minScoreWithSecondFactor: 2,
} as const;

/** The service's own name and words users build passwords from it. */
const SERVICE_WORDS = ["desksharing", "deskshare", "hotdesking", "hotdesk", "desk", "sharing", "desksharing.app"];

export type PasswordRefusalCode = "too_short" | "too_long" | "blocklisted" | "context_word" | "too_weak";

export interface PasswordRefusal {
  code: PasswordRefusalCode;
  message: string;
}

export type PasswordCheckResult = { ok: true; score: number } | { ok: false; reasons: PasswordRefusal[] };

export interface PasswordContext {
  hasSecondFactor: boolean;
  /** The user's own name, e-mail address and organisation name: a password built from them is easy to guess. */
  userInputs: readonly string[];
}

/** Applied both when a password is set and when it is verified, so what the user typed is what counts. */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Length in Unicode code points, as NIST counts it (an emoji is one character, not two UTF-16 units). */
export function passwordLength(password: string): number {
  return [...normalizePassword(password)].length;
}

let estimator: ZxcvbnFactory | undefined;
let blocklist: Set<string> | undefined;

function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: {
      ...zxcvbnCommon.dictionary,
      ...zxcvbnEn.dictionary,
      ...Object.fromEntries(Object.entries(zxcvbnDe.dictionary).map(([name, words]) => [`${name}-de`, words])),
    },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
    // Matching cost grows steeply with length and l33t variants: a random 256-character password took 6 s with
    // the defaults. The first 64 characters and 10 substitutions keep the worst case near 150 ms, and a password
    // that long is past any guessing attack unless its start is already weak, which this still catches.
    maxLength: 64,
    l33tMaxSubstitutions: 10,
  });
  return estimator;
}

function commonPasswords(): Set<string> {
  blocklist ??= new Set(zxcvbnCommon.dictionary["passwords-common"].map((word) => word.toLowerCase()));
  return blocklist;
}

/** Loads the dictionaries (about 200 ms) ahead of the first request that needs them. */
export function warmUpPasswordPolicy(): void {
  strengthEstimator();
  commonPasswords();
}

/** Splits names, e-mail addresses and organisation names into the words people reuse in passwords. */
export function contextWords(userInputs: readonly string[]): string[] {
  const words = new Set<string>(SERVICE_WORDS);
  for (const input of userInputs) {
    const lower = input.normalize("NFKC").toLowerCase().trim();
    if (lower === "") continue;
    words.add(lower);
    const [local, domain] = lower.split("@");
    if (local) words.add(local);
    if (domain) words.add(domain.split(".")[0] ?? domain);
    const parts = lower.split(/[^\p{L}\p{N}]+/u).filter((part) => part.length >= 3);
    for (const part of parts) words.add(part);
    if (parts.length > 1) words.add(parts.join(""));
  }
  return [...words].filter((word) => word.length >= 3);
}

/** What is left of the password once every context word is taken out. */
function withoutContextWords(password: string, words: readonly string[]): string {
  let rest = password.toLowerCase();
  for (const word of [...words].sort((a, b) => b.length - a.length)) rest = rest.split(word).join("");
  return rest;
}

function lengthRefusal(length: number, context: PasswordContext): PasswordRefusal | null {
  const { minLengthSingleFactor, minLengthWithSecondFactor, maxLength } = PASSWORD_POLICY;
  if (length > maxLength) {
    return { code: "too_long", message: `Use at most ${maxLength} characters (this one has ${length}).` };
  }
  const min = context.hasSecondFactor ? minLengthWithSecondFactor : minLengthSingleFactor;
  if (length >= min) return null;
  const why = context.hasSecondFactor
    ? ""
    : ` A password that is your only sign-in factor needs ${minLengthSingleFactor}; with a second factor ${minLengthWithSecondFactor} is enough.`;
  return { code: "too_short", message: `Use at least ${min} characters (this one has ${length}).${why}` };
}

/**
 * Decides whether a new password may be set. No composition rules: any characters, spaces and emoji are welcome,
 * and nothing is truncated. Every reason is returned so the user can fix the password in one go.
 */
export function checkPassword(password: string, context: PasswordContext): PasswordCheckResult {
  // A huge input is refused before normalising or estimating it, so it cannot cost much CPU.
  if (password.length > PASSWORD_POLICY.maxLength * 4) {
    return { ok: false, reasons: [lengthRefusal(PASSWORD_POLICY.maxLength + 1, context)!] };
  }
  const normalized = normalizePassword(password);
  const tooShortOrLong = lengthRefusal([...normalized].length, context);
  if (tooShortOrLong) return { ok: false, reasons: [tooShortOrLong] };

  const reasons: PasswordRefusal[] = [];
  if (commonPasswords().has(normalized.toLowerCase())) {
    reasons.push({ code: "blocklisted", message: "This password is on a list of commonly used passwords." });
  }
  const words = contextWords(context.userInputs);
  if ([...withoutContextWords(normalized, words)].length < PASSWORD_POLICY.minLengthWithSecondFactor) {
    reasons.push({
      code: "context_word",
      message:
        "This password is mostly your name, your e-mail address, your organisation's name or the name of this service.",
    });
  }
  const estimate = strengthEstimator().check(normalized, words);
  const minScore = context.hasSecondFactor
    ? PASSWORD_POLICY.minScoreWithSecondFactor
    : PASSWORD_POLICY.minScoreSingleFactor;
  if (estimate.score < minScore) {
    const hints = [estimate.feedback.warning, ...estimate.feedback.suggestions].filter((hint) => hint);
    reasons.push({
      code: "too_weak",
      message: ["This password is too easy to guess.", ...hints].join(" "),
    });
  }
  return reasons.length === 0 ? { ok: true, score: estimate.score } : { ok: false, reasons };
}
