import { type ClockAnchor, realDelay, virtualTime } from "@desksharing/protocol";
import TinyQueue from "tinyqueue";

interface Entry {
  at: number;
  order: number;
  task: () => void;
  cancelled: boolean;
}

export interface Scheduled {
  cancel(): void;
}

/** Longest delay `setTimeout` takes without overflowing. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Runs tasks at virtual times with a single real timer armed for the earliest one, so a fleet of thousands of
 * devices costs one timer, not thousands of intervals. Tasks due at the same time run in the order scheduled.
 */
export class Scheduler {
  private readonly queue = new TinyQueue<Entry>([], (a, b) => a.at - b.at || a.order - b.order);
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private order = 0;
  private stopped = false;

  constructor(
    readonly anchor: ClockAnchor,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Virtual now. */
  now(): number {
    return virtualTime(this.anchor, Date.now());
  }

  get pending(): number {
    return this.queue.length;
  }

  at(virtualMs: number, task: () => void): Scheduled {
    const entry: Entry = { at: virtualMs, order: this.order++, task, cancelled: false };
    if (!this.stopped) {
      this.queue.push(entry);
      if (virtualMs < this.armedFor) this.arm();
    }
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.queue.data.length = 0;
    this.queue.length = 0;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const head = this.queue.peek();
    if (head === undefined || this.stopped) {
      this.timer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      return;
    }
    this.armedFor = head.at;
    const delay = Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(realDelay(this.anchor, head.at - this.now()))));
    this.timer = setTimeout(() => this.run(), delay);
  }

  private run(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    // Tasks scheduled while this batch runs wait for the next turn of the event loop, even when already due.
    const batchEnd = this.order;
    for (let head = this.queue.peek(); head !== undefined && head.at <= now && head.order < batchEnd;) {
      this.queue.pop();
      if (!head.cancelled) {
        try {
          head.task();
        } catch (error) {
          this.onError(error);
        }
      }
      if (this.stopped) return;
      head = this.queue.peek();
    }
    this.arm();
  }
}
