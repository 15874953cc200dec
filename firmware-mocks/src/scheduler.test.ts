import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { Scheduler } from "./scheduler.js";

const REAL_START = new Date(2026, 0, 6, 12).getTime();
const VIRTUAL_START = new Date(2026, 0, 6, 8).getTime();

describe("Scheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: REAL_START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const anchor = { realMs: REAL_START, virtualMs: VIRTUAL_START, speed: 60 };

  it("runs tasks at their virtual times on an accelerated clock", () => {
    const scheduler = new Scheduler(anchor);
    const ran: [string, number][] = [];
    scheduler.at(VIRTUAL_START + 60 * 60_000, () => ran.push(["hour", scheduler.now()]));
    scheduler.at(VIRTUAL_START + 60_000, () => ran.push(["minute", scheduler.now()]));
    vi.advanceTimersByTime(999);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([["minute", VIRTUAL_START + 60_000]]);
    vi.advanceTimersByTime(59_000);
    expect(ran.map(([name]) => name)).toEqual(["minute", "hour"]);
    expect(ran[1]?.[1]).toBe(VIRTUAL_START + 60 * 60_000);
  });

  it("keeps a single real timer for thousands of devices", () => {
    const scheduler = new Scheduler(anchor);
    let ran = 0;
    for (let i = 0; i < 5_000; i++) scheduler.at(VIRTUAL_START + (i % 300) * 1_000, () => ran++);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(ran).toBe(5_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("runs simultaneous tasks in the order scheduled and skips cancelled ones", () => {
    const scheduler = new Scheduler(anchor);
    const ran: number[] = [];
    const at = VIRTUAL_START + 10_000;
    scheduler.at(at, () => ran.push(1));
    scheduler.at(at, () => ran.push(2)).cancel();
    scheduler.at(at, () => ran.push(3));
    vi.advanceTimersByTime(1_000);
    expect(ran).toEqual([1, 3]);
  });

  it("runs overdue tasks at once and keeps going when a task throws", () => {
    const errors: unknown[] = [];
    const scheduler = new Scheduler(anchor, (error) => errors.push(error));
    const ran: string[] = [];
    scheduler.at(VIRTUAL_START - 60_000, () => {
      throw new Error("boom");
    });
    scheduler.at(VIRTUAL_START - 1, () => ran.push("late"));
    vi.advanceTimersByTime(0);
    expect(ran).toEqual(["late"]);
    expect(errors).toHaveLength(1);
  });

  it("lets a task schedule follow-ups, and stop() cancels everything", () => {
    const scheduler = new Scheduler(anchor);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      scheduler.at(scheduler.now() + 5 * 60_000, tick);
    };
    scheduler.at(VIRTUAL_START, tick);
    vi.advanceTimersByTime(60 * 1_000); // one virtual hour
    expect(ticks).toBe(13);
    scheduler.stop();
    vi.advanceTimersByTime(60 * 1_000);
    expect(ticks).toBe(13);
    expect(vi.getTimerCount()).toBe(0);
    scheduler.at(scheduler.now(), tick);
    expect(scheduler.pending).toBe(0);
  });
});
