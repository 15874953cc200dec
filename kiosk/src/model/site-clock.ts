/**
 * The site's clock as the kiosk learns it from the edge: every snapshot and delta carries the gateway's time `at`.
 * The kiosk shows the site's time, not its own: they differ when the kiosk's clock drifts, and in the demo, whose
 * office day runs accelerated on the edge. The rate is measured between the first and the latest sample.
 */
export interface ClockSample {
  /** Kiosk clock (ms) when the message arrived. */
  local: number;
  /** Gateway time the message carried (ms). */
  site: number;
}

export interface SiteClock {
  first: ClockSample;
  last: ClockSample;
}

/** Below this much local time between samples, the rate is taken as 1 (too little to measure). */
const MIN_RATE_SPAN_MS = 1_000;
/**
 * Once the rate is known, a sample further than this (or 10 % of the predicted advance) from the prediction means
 * the edge's clock was reset: start measuring again. A clock going backwards always starts again.
 */
const RESET_TOLERANCE_MS = 60_000;

export function observeSiteClock(clock: SiteClock | null, sample: ClockSample): SiteClock {
  if (clock === null || sample.site < clock.last.site) return { first: sample, last: sample };
  if (clock.last.local - clock.first.local >= MIN_RATE_SPAN_MS) {
    const predicted = siteTime(clock, sample.local);
    const tolerance = Math.max(RESET_TOLERANCE_MS, (predicted - clock.last.site) * 0.1);
    if (Math.abs(sample.site - predicted) > tolerance) return { first: sample, last: sample };
  }
  return { first: clock.first, last: sample };
}

/** The fastest virtual clock the protocol allows (`ClockAnchor.speed`). */
const MAX_RATE = 10_000;

export function clockRate(clock: SiteClock): number {
  const span = clock.last.local - clock.first.local;
  if (span < MIN_RATE_SPAN_MS) return 1;
  const rate = (clock.last.site - clock.first.site) / span;
  return rate > 0 && rate <= MAX_RATE ? rate : 1;
}

/** Site time at kiosk time `local`. */
export function siteTime(clock: SiteClock, local: number): number {
  return clock.last.site + (local - clock.last.local) * clockRate(clock);
}
