import type { DeviceProfile } from "@desksharing/protocol";
import type { Logger } from "pino";

import {
  deskOccupancy,
  type Interval,
  nextLocalDay,
  roomMeetings,
  roomMovements,
  startOfLocalDay,
} from "./domain/office-day.js";
import {
  type DeviceTraits,
  planPirDesk,
  planRoomCounter,
  planThermalDesk,
  type PlannedReport,
  valueAt,
} from "./domain/profiles.js";
import { createRandom } from "./random.js";
import type { Scheduled, Scheduler } from "./scheduler.js";
import type { SimulatedDevice } from "./device.js";

/** Seats assumed for a room whose floor plan is not known. */
export const DEFAULT_ROOM_CAPACITY = 6;
const DAY_MS = 24 * 3_600_000;

export interface DayPlanInput {
  seed: number;
  profile: DeviceProfile;
  deviceId: string;
  /** Desk or room id: sensors of one desk or room see the same people. */
  targetId: string;
  capacity: number;
  traits: DeviceTraits;
  dayStart: number;
}

/** Every report one device sends on one local day. Depends only on its input, so a seeded run repeats exactly. */
export function planDeviceDay(input: DayPlanInput): PlannedReport[] {
  const { seed, profile, deviceId, targetId, capacity, traits, dayStart } = input;
  const window: Interval = { from: dayStart, to: nextLocalDay(dayStart) };
  const truth = createRandom(seed, "truth", targetId, dayStart);
  const sensing = createRandom(seed, "sensing", deviceId, dayStart);
  switch (profile) {
    case "pir-desk":
      return planPirDesk(deskOccupancy(truth, dayStart, traits.popularity), window, traits, sensing);
    case "thermal-desk":
      return planThermalDesk(deskOccupancy(truth, dayStart, traits.popularity), window, traits, sensing);
    case "room-counter":
      return planRoomCounter(roomMovements(truth, roomMeetings(truth, dayStart, capacity)), window, traits, sensing);
  }
}

/**
 * Drives one device through the office days on the shared scheduler: the planned reports of the current day,
 * a report of the current value after each boot, and an occasional spontaneous reboot.
 */
export class DeviceSimulation {
  private plan: PlannedReport[] = [];
  private index = 0;
  private dayEnd = 0;
  private pending: Scheduled | undefined;
  private nextReboot: Scheduled | undefined;
  private readonly rebootRandom;

  constructor(
    private readonly device: SimulatedDevice,
    private readonly input: Omit<DayPlanInput, "dayStart" | "profile" | "deviceId">,
    private readonly scheduler: Scheduler,
    private readonly logger: Logger,
  ) {
    this.rebootRandom = createRandom(input.seed, device.deviceId, "reboots");
  }

  /**
   * Starts the day at virtual time `from`: the device reports its value as of then (its boot report), and reports
   * planned between `from` and now go out at once with their planned `ts`.
   */
  start(from: number): void {
    this.loadDay(startOfLocalDay(from));
    this.index = this.plan.findIndex((report) => report.at > from);
    if (this.index < 0) this.index = this.plan.length;
    this.device.onBoot = () => this.reportCurrent(this.scheduler.now());
    this.reportCurrent(from);
    this.scheduleNext();
    this.scheduleReboot();
  }

  stop(): void {
    this.pending?.cancel();
    this.nextReboot?.cancel();
    this.device.onBoot = undefined;
  }

  private loadDay(dayStart: number): void {
    this.plan = planDeviceDay({
      ...this.input,
      profile: this.device.profile,
      deviceId: this.device.deviceId,
      dayStart,
    });
    this.index = 0;
    this.dayEnd = nextLocalDay(dayStart);
  }

  private scheduleNext(): void {
    // Every profile reports at least every 15 minutes, so a day never comes without reports; the bound is a guard.
    for (let days = 0; this.index >= this.plan.length && days < 7; days++) this.loadDay(this.dayEnd);
    const report = this.plan[this.index];
    if (report === undefined) return;
    this.pending = this.scheduler.at(report.at, () => {
      this.index++;
      this.send(report);
      this.scheduleNext();
    });
  }

  private send(report: PlannedReport): void {
    if (this.device.stopped) return;
    const values = this.device.kind === "desk" ? { occupied: report.occupied } : { count: report.count };
    this.device.emitReading(values, report.at).catch((error: unknown) => {
      this.logger.debug({ deviceId: this.device.deviceId, err: error }, "reading not acknowledged");
    });
  }

  private reportCurrent(at: number): void {
    this.send({ at, ...valueAt(this.plan, at, this.device.profile), change: false });
  }

  /** Reboot times follow from the clock anchor and the seed alone, not from when the fleet happened to start. */
  private scheduleReboot(after = this.scheduler.anchor.virtualMs): void {
    const meanMs = DAY_MS / this.input.traits.rebootsPerDay;
    let at = after + this.rebootRandom.exponential(meanMs);
    while (at <= this.scheduler.now()) at += this.rebootRandom.exponential(meanMs);
    this.nextReboot = this.scheduler.at(at, () => {
      this.logger.info({ deviceId: this.device.deviceId }, "simulated reboot");
      void this.device.reboot();
      this.scheduleReboot(at);
    });
  }
}
