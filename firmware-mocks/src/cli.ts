import { type ClockAnchor, formatClockAnchor, parseClockAnchor, virtualTime } from "@desksharing/protocol";
import { Command, InvalidArgumentError, Option } from "commander";
import { pino } from "pino";

import { credentialsFromPlans } from "./credentials.js";
import { type FaultRates, parseFaultRates } from "./domain/faults.js";
import { readCredentialsFile, readFloorPlanFile } from "./files.js";
import { type Fleet, startFleet } from "./fleet.js";

const PROGRESS_INTERVAL_MS = 5_000;

interface CliOptions {
  plan?: string[];
  credentials?: string;
  broker: string;
  speed: number;
  seed: number;
  start: string;
  clockAnchor?: ClockAnchor;
  faults: FaultRates;
  duration?: number;
  keepalive: number;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be an integer");
  return n;
}

function clockAnchor(value: string): ClockAnchor {
  const anchor = parseClockAnchor(value);
  if (anchor === null) throw new InvalidArgumentError("must be <realMs>:<virtualMs>:<speed>");
  return anchor;
}

function faults(value: string): FaultRates {
  const result = parseFaultRates(value);
  if (!result.ok) throw new InvalidArgumentError(result.errors.join("; "));
  return result.rates;
}

function brokerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be a URL such as mqtt://127.0.0.1:1883");
  }
  if (!["mqtt:", "mqtts:", "tcp:", "ssl:", "ws:", "wss:"].includes(url.protocol)) {
    throw new InvalidArgumentError("must use mqtt://, mqtts://, ws:// or wss://");
  }
  return value;
}

function timeOfDay(value: string): string {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (match === null) throw new InvalidArgumentError("must be HH:MM, e.g. 08:00");
  return value;
}

/** Virtual clock starting today at `hhmm` (local time) now, running `speed` times faster than real time. */
export function anchorAt(hhmm: string, speed: number, realNow = Date.now()): ClockAnchor {
  const [hours = 0, minutes = 0] = hhmm.split(":").map(Number);
  const start = new Date(realNow);
  start.setHours(hours, minutes, 0, 0);
  return { realMs: realNow, virtualMs: start.getTime(), speed };
}

function formatVirtual(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, "0");
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][date.getDay()] ?? "";
  return `${day} ${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function run(options: CliOptions, fail: (message: string) => never): Promise<void> {
  const tty = process.stderr.isTTY;
  const logger = pino({ level: process.env.LOG_LEVEL ?? (tty ? "warn" : "info") });
  const say = (line: string): void => {
    if (tty) process.stderr.write(`${line}\n`);
  };
  if (options.plan === undefined && options.credentials === undefined) {
    fail("error: give the devices with --plan <files...> and/or --credentials <file>");
  }

  let fleet: Fleet | undefined;
  const progress: { timer?: NodeJS.Timeout } = {};
  let stopReason: string | undefined;
  const shutdown = (reason: string): void => {
    if (stopReason !== undefined) process.exit(1);
    stopReason = reason;
    clearInterval(progress.timer);
    if (fleet === undefined) return; // still connecting: stops as soon as the fleet is up
    logger.info({ reason }, "stopping fleet");
    say(`stopping (${reason}): publishing offline statuses…`);
    fleet.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));

  let anchor: ClockAnchor;
  try {
    const plans = (options.plan ?? []).map(readFloorPlanFile);
    const credentials =
      options.credentials === undefined ? credentialsFromPlans(plans) : readCredentialsFile(options.credentials);
    anchor = options.clockAnchor ?? anchorAt(options.start, options.speed);
    say(
      `connecting ${credentials.devices.length} devices of site ${credentials.siteId} to ${options.broker} ` +
        `(clock ${formatClockAnchor(anchor)}, ×${anchor.speed})…`,
    );
    fleet = await startFleet({
      brokerUrl: options.broker,
      credentials,
      clock: anchor,
      seed: options.seed,
      faults: options.faults,
      keepaliveSeconds: options.keepalive,
      logger,
      plans,
    });
  } catch (error) {
    fail(`error: ${(error as Error).message}`);
  }
  const running = fleet;
  if (stopReason !== undefined) {
    const reason = stopReason;
    stopReason = undefined;
    shutdown(reason);
    return;
  }

  const startedVirtual = virtualTime(anchor, Date.now());
  let lastPublished = 0;
  let lastAt = Date.now();
  progress.timer = setInterval(() => {
    const stats = running.stats();
    const now = Date.now();
    const rate = Math.round(((stats.published - lastPublished) * 1000) / Math.max(1, now - lastAt));
    lastPublished = stats.published;
    lastAt = now;
    const virtual = virtualTime(anchor, now);
    if (tty) {
      const faultCount = Object.values(stats.faultsInjected).reduce((sum, n) => sum + n, 0);
      say(
        `${formatVirtual(virtual)}  ${stats.connected}/${stats.devices} connected  ${rate} msg/s  ` +
          `${stats.published} sent  ${faultCount} faults`,
      );
    } else {
      logger.info({ ...stats, messagesPerSecond: rate, virtualTime: new Date(virtual).toISOString() }, "progress");
    }
  }, PROGRESS_INTERVAL_MS);

  if (options.duration !== undefined) {
    const endVirtual = startedVirtual + options.duration * 60_000;
    setTimeout(
      () => shutdown("duration reached"),
      Math.max(0, (endVirtual - virtualTime(anchor, Date.now())) / anchor.speed),
    );
  }
}

const program = new Command()
  .name("mocks")
  .description("Simulated occupancy sensors: one MQTT session per device, a realistic office day, faults on demand.")
  .option("--plan <files...>", "floor-plan JSON files (devices come from their sensor ids)")
  .option("--credentials <file>", "FleetCredentials JSON written by the edge's provisioning")
  .option("--broker <url>", "MQTT broker URL", brokerUrl, "mqtt://127.0.0.1:1883")
  .option("--speed <n>", "virtual seconds per real second", positiveNumber, 60)
  .option("--seed <n>", "random seed; the same seed repeats the same day", integer, 1)
  .addOption(new Option("--start <HH:MM>", "virtual start time today (local)").default("08:00").argParser(timeOfDay))
  .addOption(
    new Option(
      "--clock-anchor <realMs:virtualMs:speed>",
      "shared virtual clock (overrides --start and --speed)",
    ).argParser(clockAnchor),
  )
  .option("--faults <list>", "fault probabilities per message, e.g. duplicate=0.01,reorder=0.01", faults, {})
  .option("--duration <minutes>", "stop after this many virtual minutes", positiveNumber)
  .option("--keepalive <seconds>", "MQTT keep-alive of each device", integer, 60)
  .action(async (options: CliOptions) => {
    await run(options, (message) => program.error(message, { exitCode: 1 }));
  });

await program.parseAsync();
