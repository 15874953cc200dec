import { type ClockAnchor, ERROR_CODES, FleetCredentials, type FloorPlan, virtualTime } from "@desksharing/protocol";
import { pino, type Logger } from "pino";

import { isConnectionFault, type MockDevice, SimulatedDevice } from "./device.js";
import { FAULT_KINDS, type FaultKind, type FaultRates, isFaultKind } from "./domain/faults.js";
import { deviceTraits } from "./domain/profiles.js";
import { FleetError } from "./errors.js";
import { createRandom } from "./random.js";
import { Scheduler } from "./scheduler.js";
import { DEFAULT_ROOM_CAPACITY, DeviceSimulation } from "./simulation.js";

export interface FleetOptions {
  brokerUrl: string;
  credentials: FleetCredentials;
  /** Default: real time, speed 1. */
  clock?: ClockAnchor;
  /** Default 1. */
  seed?: number;
  /** Probability per message of each fault. */
  faults?: Partial<Record<FaultKind, number>>;
  keepaliveSeconds?: number;
  connectConcurrency?: number;
  logger?: Logger;
  /** Floor plans of the site: rooms' capacities bound the simulated meetings (default 6 seats per room). */
  plans?: FloorPlan[];
  /** Real-time backoff between reconnection attempts, doubled per failure with ±50 % jitter. */
  reconnectDelayMs?: { min: number; max: number };
}

export interface FleetStats {
  devices: number;
  connected: number;
  /** MQTT messages sent by all devices (readings, fault messages and statuses). */
  published: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
}

export interface Fleet {
  readonly devices: ReadonlyMap<string, MockDevice>;
  /** Applies one fault now to the device (or a seeded random one). See CONTEXT.md for each kind's wire effect. */
  inject(kind: FaultKind, deviceId?: string): Promise<void>;
  stats(): FleetStats;
  stop(): Promise<void>;
}

const DEFAULTS = {
  seed: 1,
  keepaliveSeconds: 60,
  connectConcurrency: 200,
  reconnectDelayMs: { min: 1_000, max: 30_000 },
};

/** An anchor made at most this long (real time) before the fleet starts defines the simulation's start. */
const FRESH_ANCHOR_MS = 10_000;

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}

function validRates(rates: FaultRates): FaultRates {
  for (const [kind, rate] of Object.entries(rates)) {
    if (!isFaultKind(kind) || typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
      throw new FleetError(ERROR_CODES.VALIDATION_FAILED, `fault rate ${kind}=${String(rate)} must be from 0 to 1`);
    }
  }
  return rates;
}

/**
 * Connects one MQTT session per device of the credentials (at most `connectConcurrency` at a time) and, unless
 * `simulate` is false, runs the office day on the virtual clock. Resolves once every device is connected; rejects
 * with a FleetError (UNAVAILABLE, UNAUTHENTICATED, VALIDATION_FAILED) after closing whatever had connected.
 */
export async function startFleet(options: FleetOptions & { simulate?: boolean }): Promise<Fleet> {
  const parsed = FleetCredentials.safeParse(options.credentials);
  if (!parsed.success) {
    throw new FleetError(
      ERROR_CODES.VALIDATION_FAILED,
      `invalid fleet credentials: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  }
  const credentials = parsed.data;
  const seed = options.seed ?? DEFAULTS.seed;
  const logger = options.logger ?? pino({ level: "silent" });
  const realStart = Date.now();
  const anchor = options.clock ?? { realMs: realStart, virtualMs: realStart, speed: 1 };
  const faultRates = validRates(options.faults ?? {});
  const scheduler = new Scheduler(anchor, (error) => logger.error({ err: error }, "scheduled task failed"));
  // A fresh anchor marks when the simulated day begins: starting there rather than whenever the last device got
  // connected makes a seeded run repeat exactly. An old anchor (shared with a running edge) starts at "now".
  const startedAt = realStart - anchor.realMs <= FRESH_ANCHOR_MS ? anchor.virtualMs : virtualTime(anchor, realStart);
  const runTag = realStart.toString(36);
  const capacities = new Map(
    (options.plans ?? []).flatMap((plan) => plan.rooms.map((room) => [room.id, room.capacity] as const)),
  );
  const deviceIds = credentials.devices.map((device) => device.deviceId);
  let published = 0;
  const faultsInjected: Partial<Record<FaultKind, number>> = {};

  const devices = new Map<string, SimulatedDevice>();
  const targets = new Map<string, string>();
  for (const entry of credentials.devices) {
    const traits = deviceTraits(entry.profile, createRandom(seed, entry.deviceId, "traits"));
    targets.set(entry.deviceId, entry.targetId);
    devices.set(
      entry.deviceId,
      new SimulatedDevice({
        siteId: credentials.siteId,
        deviceId: entry.deviceId,
        password: entry.password,
        profile: entry.profile,
        brokerUrl: options.brokerUrl,
        keepaliveSeconds: options.keepaliveSeconds ?? DEFAULTS.keepaliveSeconds,
        seed,
        runTag,
        traits,
        now: () => scheduler.now(),
        startedAt,
        faultRates,
        reconnectDelayMs: options.reconnectDelayMs ?? DEFAULTS.reconnectDelayMs,
        foreignDevice: (random) =>
          deviceIds.length < 2 ? undefined : random.pick(deviceIds.filter((id) => id !== entry.deviceId)),
        logger,
        onPublished: () => {
          published++;
        },
        onFault: (kind) => {
          faultsInjected[kind] = (faultsInjected[kind] ?? 0) + 1;
        },
      }),
    );
  }

  const all = [...devices.values()];
  const stopAll = (): Promise<void> =>
    forEachLimited(all, options.connectConcurrency ?? DEFAULTS.connectConcurrency, (device) =>
      device.stop().catch((error: unknown) => {
        logger.warn({ deviceId: device.deviceId, err: error }, "device did not stop cleanly");
      }),
    );
  try {
    await forEachLimited(all, options.connectConcurrency ?? DEFAULTS.connectConcurrency, (device) => device.connect());
  } catch (error) {
    scheduler.stop();
    await stopAll();
    throw error;
  }
  logger.info({ devices: all.length, ms: Date.now() - realStart }, "fleet connected");

  const simulations: DeviceSimulation[] = [];
  if (options.simulate ?? true) {
    for (const device of all) {
      const targetId = targets.get(device.deviceId) ?? device.deviceId;
      const simulation = new DeviceSimulation(
        device,
        { seed, targetId, capacity: capacities.get(targetId) ?? DEFAULT_ROOM_CAPACITY, traits: device.traits },
        scheduler,
        logger,
      );
      simulation.start(startedAt);
      simulations.push(simulation);
    }
  }

  const injectRandom = createRandom(seed, "inject");
  let stopping: Promise<void> | undefined;
  return {
    devices,
    async inject(kind, deviceId) {
      if (!isFaultKind(kind)) {
        throw new FleetError(
          ERROR_CODES.VALIDATION_FAILED,
          `unknown fault '${String(kind)}' (known: ${FAULT_KINDS.join(", ")})`,
        );
      }
      const device = deviceId === undefined ? injectRandom.pick(all) : devices.get(deviceId);
      if (device === undefined) throw new FleetError(ERROR_CODES.NOT_FOUND, `no device '${deviceId}' in the fleet`);
      if (isConnectionFault(kind)) await device.applyConnectionFault(kind);
      else await device.emitReading(undefined, scheduler.now(), [kind]);
    },
    stats() {
      return {
        devices: all.length,
        connected: all.filter((device) => device.connected).length,
        published,
        faultsInjected: { ...faultsInjected },
      };
    },
    stop() {
      stopping ??= (async () => {
        scheduler.stop();
        for (const simulation of simulations) simulation.stop();
        await stopAll();
      })();
      return stopping;
    },
  };
}
