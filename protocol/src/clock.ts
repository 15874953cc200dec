import { z } from "zod";

/**
 * Ties a virtual clock to the real one so that separate processes (edge, mock fleet) share one accelerated time:
 * `virtual(now) = virtualMs + (now - realMs) × speed`. Speed 1 with both anchors equal is the real clock.
 */
export const ClockAnchor = z.strictObject({
  realMs: z.number().int().nonnegative(),
  virtualMs: z.number().int().nonnegative(),
  speed: z.number().positive().max(10_000),
});
export type ClockAnchor = z.infer<typeof ClockAnchor>;

export function virtualTime(anchor: ClockAnchor, realNowMs: number): number {
  return Math.round(anchor.virtualMs + (realNowMs - anchor.realMs) * anchor.speed);
}

/** Real milliseconds to wait for `virtualMs` of virtual time to pass. */
export function realDelay(anchor: ClockAnchor, virtualMs: number): number {
  return virtualMs / anchor.speed;
}

/** `"<realMs>:<virtualMs>:<speed>"`, the form used on command lines and in environment variables. */
export function formatClockAnchor(anchor: ClockAnchor): string {
  return `${anchor.realMs}:${anchor.virtualMs}:${anchor.speed}`;
}

export function parseClockAnchor(text: string): ClockAnchor | null {
  const [realMs, virtualMs, speed, ...rest] = text.split(":").map(Number);
  const result = ClockAnchor.safeParse({ realMs, virtualMs, speed });
  return rest.length === 0 && result.success ? result.data : null;
}
