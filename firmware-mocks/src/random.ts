import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A seeded random stream. Each device, day and concern gets its own stream, so runs repeat whatever the timing. */
export interface Random {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  /** Normally distributed (Box–Muller). */
  normal(mean: number, deviation: number): number;
  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number;
  pick<T>(items: readonly T[]): T;
  /** Lower-case letters and digits, usable inside protocol ids. */
  token(length: number): string;
}

/** FNV-1a over the parts: a stable 32-bit seed for one named stream. */
export function seedOf(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join("\u0000")) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

const TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function createRandom(...parts: (string | number)[]): Random {
  const rng = xoroshiro128plus(seedOf(...parts));
  const float = (): number => uniformFloat64(rng);
  const random: Random = {
    float,
    between: (min, max) => min + (max - min) * float(),
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    chance: (probability) => float() < probability,
    normal: (mean, deviation) => {
      const u = 1 - float();
      return mean + deviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * float());
    },
    exponential: (mean) => -mean * Math.log(1 - float()),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError("cannot pick from an empty list");
      return items[Math.floor(float() * items.length)] as T;
    },
    token: (length) => Array.from({ length }, () => TOKEN_ALPHABET[Math.floor(float() * 36)]).join(""),
  };
  return random;
}
