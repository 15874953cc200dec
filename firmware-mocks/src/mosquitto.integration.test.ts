import { DeviceReading } from "@desksharing/protocol";
import { afterEach, describe, expect, it } from "vitest";

import { type Fleet, type FleetOptions, startFleet } from "./fleet.js";
import { MOSQUITTO_URL, Recorder, statusOf, testCredentials, uniqueSiteId } from "./test-support.js";

/** A Tuesday, so people come to the office. */
const TUESDAY_0900 = new Date(2026, 0, 6, 9).getTime();

describe("fleet against the machine's Mosquitto", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function run(options: Omit<FleetOptions, "brokerUrl">, simulate: boolean) {
    const recorder = await Recorder.start(MOSQUITTO_URL, options.credentials.siteId);
    const fleet: Fleet = await startFleet({ brokerUrl: MOSQUITTO_URL, simulate, ...options });
    cleanups.push(async () => {
      await fleet.stop();
      await recorder.close(options.credentials.devices.map((d) => d.deviceId));
    });
    return { recorder, fleet };
  }

  it("announces each device retained, fires its Last Will within 1.5 × keep-alive + 1 s, and comes back", async () => {
    const credentials = testCredentials(uniqueSiteId(), { "pir-desk": 20, "room-counter": 2 });
    const { recorder, fleet } = await run(
      { credentials, keepaliveSeconds: 2, reconnectDelayMs: { min: 100, max: 500 } },
      false,
    );
    const online = (id: string, since = 0) =>
      recorder.waitFor((m) => m.deviceId === id && statusOf(m)?.state === "online", `${id} online`, 5_000, since);
    for (const { deviceId } of credentials.devices) await online(deviceId);
    const since = recorder.messages.length;
    const droppedAt = Date.now();
    fleet.devices.get("pir-7")?.dropConnection();
    await recorder.waitFor(
      (m) => m.deviceId === "pir-7" && statusOf(m)?.state === "offline",
      "Last Will",
      1.5 * 2_000 + 1_000,
      since,
    );
    expect(Date.now() - droppedAt).toBeLessThan(1.5 * 2_000 + 1_000);
    await online("pir-7", since);
    const reading = await fleet.devices.get("pir-7")?.publishReading({ occupied: true });
    expect(reading?.seq).toBe(0);
  });

  it("runs a virtual office hour in about 6 s at speed 600", async () => {
    const credentials = testCredentials(uniqueSiteId(), { "pir-desk": 30, "thermal-desk": 10, "room-counter": 3 });
    const clock = { realMs: Date.now(), virtualMs: TUESDAY_0900, speed: 600 };
    const { recorder, fleet } = await run({ credentials, clock, seed: 5 }, true);
    const hourLater = await recorder.waitFor(
      (m) => m.channel === "state" && DeviceReading.parse(JSON.parse(m.payload)).ts >= TUESDAY_0900 + 3_600_000,
      "a reading one virtual hour in",
      10_000,
    );
    const elapsed = hourLater.receivedAt - clock.realMs;
    expect(elapsed).toBeGreaterThan(5_500);
    expect(elapsed).toBeLessThan(7_500);
    const readings = recorder.readings();
    expect(readings.some((r) => r.kind === "desk" && r.occupied)).toBe(true);
    expect(readings.some((r) => r.kind === "room" && (r.count ?? 0) > 0)).toBe(true);
    for (const { deviceId } of credentials.devices) {
      const seqs = recorder.readings(deviceId).map((r) => r.seq);
      expect(seqs.length).toBeGreaterThan(1);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(seqs[0]).toBe(0);
    }
    expect(fleet.stats().published).toBeGreaterThanOrEqual(readings.length);
  });

  it("repeats a seeded run: same seed, same readings apart from boot ids", async () => {
    const credentials = testCredentials(uniqueSiteId(), { "pir-desk": 10, "thermal-desk": 5, "room-counter": 2 });
    const firstReadings = async (): Promise<string[]> => {
      const clock = { realMs: Date.now(), virtualMs: TUESDAY_0900, speed: 3_000 };
      const { recorder, fleet } = await run({ credentials, clock, seed: 42 }, true);
      const perDevice = 3;
      await recorder.waitFor(
        () => credentials.devices.every((d) => recorder.readings(d.deviceId).length > perDevice),
        "readings of every device",
        15_000,
      );
      await fleet.stop();
      return credentials.devices.flatMap(({ deviceId }) =>
        recorder
          .readings(deviceId)
          .slice(0, perDevice)
          .map(({ boot: _boot, ...rest }) => `${deviceId} ${JSON.stringify(rest)}`),
      );
    };
    const first = await firstReadings();
    const second = await firstReadings();
    expect(first.length).toBe(credentials.devices.length * 3);
    expect(second).toEqual(first);
  });
});
