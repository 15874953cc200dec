import {
  DeviceReading,
  deviceStateTopic,
  MAX_DEVICE_PAYLOAD_BYTES,
  ERROR_CODES,
  MAX_CLOCK_SKEW_MS,
} from "@desksharing/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { type Fleet, startFleet } from "./fleet.js";
import { Recorder, startAedes, statusOf, testCredentials, type TestBroker, uniqueSiteId } from "./test-support.js";

describe("fleet against an in-process aedes broker", () => {
  let broker: TestBroker;
  let passwords: Map<string, string>;
  const siteId = uniqueSiteId();
  const credentials = testCredentials(siteId, { "pir-desk": 3, "thermal-desk": 1, "room-counter": 1 });
  let fleet: Fleet | undefined;
  let recorder: Recorder;

  beforeAll(async () => {
    passwords = new Map(credentials.devices.map((device) => [device.deviceId, device.password]));
    broker = await startAedes(passwords);
    recorder = await Recorder.start(broker.url, siteId);
  });
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });
  afterAll(async () => {
    await recorder.close([]);
    await broker.close();
  });

  const start = async (): Promise<Fleet> => {
    fleet = await startFleet({
      brokerUrl: broker.url,
      credentials,
      simulate: false,
      keepaliveSeconds: 2,
      reconnectDelayMs: { min: 50, max: 200 },
    });
    return fleet;
  };
  const device = (f: Fleet, id: string) => {
    const found = f.devices.get(id);
    if (found === undefined) throw new Error(`no ${id}`);
    return found;
  };

  it("opens one session per device with the device id as client id and user name, and announces it retained", async () => {
    const since = recorder.messages.length;
    const f = await start();
    for (const { deviceId } of credentials.devices) {
      const connect = broker.connects.find((c) => c.clientId === deviceId && c.accepted);
      expect(connect?.username).toBe(deviceId);
    }
    expect(f.stats()).toMatchObject({ devices: 5, connected: 5 });
    const late = await Recorder.start(broker.url, siteId);
    try {
      const status = await late.waitFor((m) => m.deviceId === "pir-1" && m.channel === "status", "retained status");
      expect(status.retain).toBe(true);
      expect(statusOf(status)).toMatchObject({ state: "online", boot: device(f, "pir-1").boot });
    } finally {
      await late.close([]);
    }
    expect(recorder.messages.slice(since).filter((m) => m.channel === "state")).toHaveLength(0);
  });

  it("publishes valid readings with increasing seq, and stops with a retained offline status", async () => {
    const f = await start();
    const pir = device(f, "pir-2");
    const counter = device(f, "counter-1");
    const sent = [
      await pir.publishReading({ occupied: true }),
      await pir.publishReading(),
      await pir.publishReading({ occupied: false }),
      await counter.publishReading({ count: 4 }),
    ];
    await recorder.waitFor((m) => m.deviceId === "counter-1" && m.channel === "state", "counter reading");
    const readings = recorder.readings("pir-2");
    expect(readings).toEqual(sent.slice(0, 3));
    expect(readings.map((r) => [r.seq, r.occupied])).toEqual([
      [0, true],
      [1, true],
      [2, false],
    ]);
    expect(recorder.readings("counter-1").at(-1)).toMatchObject({ kind: "room", count: 4, seq: 0 });
    for (const reading of readings) {
      expect(DeviceReading.safeParse(reading).success).toBe(true);
      expect(Math.abs(reading.ts - Date.now())).toBeLessThan(5_000);
    }
    const boot = pir.boot;
    const since = recorder.messages.length;
    await f.stop();
    const offline = await recorder.waitFor(
      (m) => m.deviceId === "pir-2" && statusOf(m)?.state === "offline",
      "offline status",
      5_000,
      since,
    );
    expect(statusOf(offline)).toMatchObject({ state: "offline", boot });
  });

  it("fires the Last Will when the connection drops, then reconnects by itself", async () => {
    const f = await start();
    const pir = device(f, "pir-3");
    const since = recorder.messages.length;
    const droppedAt = Date.now();
    await f.inject("disconnect", "pir-3");
    const will = await recorder.waitFor(
      (m) => m.deviceId === "pir-3" && statusOf(m)?.state === "offline",
      "Last Will",
      1.5 * 2_000 + 1_000,
      since,
    );
    expect(Date.now() - droppedAt).toBeLessThan(1.5 * 2_000 + 1_000);
    expect(statusOf(will)?.boot).toBe(pir.boot);
    await recorder.waitFor(
      (m) => m.deviceId === "pir-3" && statusOf(m)?.state === "online",
      "online after reconnect",
      5_000,
      since,
    );
    expect(f.stats().faultsInjected.disconnect).toBe(1);
  });

  it("reboots with a new boot id and seq 0", async () => {
    const f = await start();
    const pir = device(f, "pir-1");
    await pir.publishReading({ occupied: true });
    await pir.publishReading();
    const oldBoot = pir.boot;
    const since = recorder.messages.length;
    await f.inject("reboot", "pir-1");
    expect(pir.boot).not.toBe(oldBoot);
    expect(pir.seq).toBe(0);
    const reading = await pir.publishReading();
    expect(reading).toMatchObject({ seq: 0, boot: pir.boot });
    await recorder.waitFor(
      (m) => m.deviceId === "pir-1" && statusOf(m)?.boot === pir.boot,
      "online status of the new boot",
      5_000,
      since,
    );
    const statuses = recorder.statuses("pir-1").slice(-2);
    expect(statuses.map((s) => [s.state, s.boot])).toEqual([
      ["offline", oldBoot],
      ["online", pir.boot],
    ]);
    await recorder.waitFor(
      (m) => m.deviceId === "pir-1" && m.channel === "state",
      "reading after reboot",
      5_000,
      since,
    );
  });

  it("gives every message fault its wire effect", async () => {
    const f = await start();
    const pir = device(f, "pir-1");
    const topic = deviceStateTopic(siteId, "pir-1");
    const wire = (since: number) => recorder.messages.slice(since).filter((m) => m.topic === topic);
    const settle = (since: number, count: number, what: string) =>
      recorder.waitFor(() => wire(since).length >= count, what, 5_000, since);

    let since = recorder.messages.length;
    await f.inject("duplicate", "pir-1");
    await settle(since, 2, "duplicate");
    const [first, second] = wire(since);
    expect(first?.payload).toBe(second?.payload);

    since = recorder.messages.length;
    await f.inject("clock-skew", "pir-1");
    await settle(since, 1, "skewed reading");
    const skewed = DeviceReading.parse(JSON.parse(wire(since)[0]?.payload ?? ""));
    expect(Math.abs(skewed.ts - Date.now())).toBeGreaterThan(MAX_CLOCK_SKEW_MS);

    since = recorder.messages.length;
    await f.inject("malformed", "pir-1");
    await settle(since, 2, "malformed");
    const garbage = wire(since)[0]?.payload ?? "";
    expect(() => DeviceReading.parse(JSON.parse(garbage))).toThrow();

    since = recorder.messages.length;
    await f.inject("oversized", "pir-1");
    await settle(since, 2, "oversized");
    expect(Buffer.byteLength(wire(since)[0]?.payload ?? "")).toBeGreaterThan(MAX_DEVICE_PAYLOAD_BYTES);

    since = recorder.messages.length;
    const publishesBefore = broker.publishes.length;
    await f.inject("foreign-topic", "pir-1");
    await settle(since, 1, "own reading after foreign one");
    const foreign = broker.publishes
      .slice(publishesBefore)
      .find((p) => p.clientId === "pir-1" && p.topic !== topic && p.topic.endsWith("/state"));
    expect(foreign).toBeDefined();
    const onForeign = await recorder.waitFor((m) => m.topic === foreign?.topic, "foreign reading", 5_000, since);
    expect(DeviceReading.parse(JSON.parse(onForeign.payload)).boot).toBe(pir.boot);

    since = recorder.messages.length;
    await f.inject("reorder", "pir-1");
    const next = await pir.publishReading({ occupied: true });
    await settle(since, 2, "reordered pair");
    const seqs = wire(since).map((m) => DeviceReading.parse(JSON.parse(m.payload)).seq);
    expect(seqs).toEqual([next.seq, next.seq - 1]);

    expect(f.stats().faultsInjected).toMatchObject({
      duplicate: 1,
      "clock-skew": 1,
      malformed: 1,
      oversized: 1,
      "foreign-topic": 1,
      reorder: 1,
    });
  });

  it("tries a wrong password that a secure broker refuses, then comes back with the right one", async () => {
    const f = await start();
    const since = recorder.messages.length;
    const connectsBefore = broker.connects.length;
    await f.inject("wrong-password", "thermal-1");
    expect(broker.connects.slice(connectsBefore)).toContainEqual({
      clientId: "thermal-1",
      username: "thermal-1",
      accepted: false,
    });
    await recorder.waitFor(
      (m) => m.deviceId === "thermal-1" && statusOf(m)?.state === "online",
      "online with the right password",
      5_000,
      since,
    );
    expect(broker.connects.slice(connectsBefore).at(-1)).toMatchObject({ clientId: "thermal-1", accepted: true });
  });

  it("refuses to start with wrong credentials or an unreachable broker, naming the problem", async () => {
    const wrong = { ...credentials, devices: credentials.devices.map((d) => ({ ...d, password: "x".repeat(20) })) };
    const refused = startFleet({ brokerUrl: broker.url, credentials: wrong, simulate: false });
    await expect(refused).rejects.toMatchObject({ code: ERROR_CODES.UNAUTHENTICATED });
    await expect(refused).rejects.toThrow(/refused the credentials of device/);
    const unreachable = startFleet({ brokerUrl: "mqtt://127.0.0.1:1", credentials, simulate: false });
    await expect(unreachable).rejects.toMatchObject({ code: ERROR_CODES.UNAVAILABLE });
    await expect(unreachable).rejects.toThrow(/cannot reach MQTT broker at mqtt:\/\/127\.0\.0\.1:1/);
  });
});
