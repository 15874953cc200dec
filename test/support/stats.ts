/** Small statistics for benchmark reports. */

export function round(value: number, digits = 0): number {
  return Number(value.toFixed(digits));
}

/** Nearest-rank percentile (`p` in 0–100) of the values, in any order; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** The middle value (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `part / whole` to three digits; null when there is no whole to compare with. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? round(part / whole, 3) : null;
}
