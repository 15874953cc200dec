import { deviceStatusTopic } from "@desksharing/protocol";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";

import type { EdgeHandle } from "./app.js";
import type { TestDevice, TestSite } from "./testing/harness.js";
import {
  connectDevice,
  createSite,
  deadLetterReasons,
  deskStatus,
  httpsGet,
  query,
  startSite,
} from "./testing/harness.js";

/** The machine's Mosquitto (anonymous access), as used in production with its own password and ACL files. */
const MOSQUITTO = "mqtt://127.0.0.1:1883";

const running: EdgeHandle[] = [];
const devices: TestDevice[] = [];
const sites: TestSite[] = [];

function site(): TestSite {
  const created = createSite({ env: { DESK_EDGE_MQTT_URL: MOSQUITTO } });
  sites.push(created);
  return created;
}

async function start(s: TestSite): Promise<EdgeHandle> {
  const edge = await startSite(s);
  running.push(edge);
  return edge;
}

async function device(s: TestSite, id: string): Promise<TestDevice> {
  const created = await connectDevice(MOSQUITTO, s.siteId, id, undefined);
  devices.push(created);
  return created;
}

/** Leaves the shared broker as it was: no retained statuses, no persistent session of the test gateway. */
async function cleanBroker(s: TestSite): Promise<void> {
  const client = await mqtt.connectAsync(MOSQUITTO, {
    clientId: `desk-edge-${s.siteId}`,
    clean: true,
    reconnectPeriod: 0,
  });
  for (const id of ["pir-1", "pir-2", "pir-3", "cnt-1"]) {
    await client.publishAsync(deviceStatusTopic(s.siteId, id), "", { qos: 1, retain: true });
  }
  await client.endAsync();
}

afterEach(async () => {
  for (const d of devices.splice(0)) d.client.end(true);
  for (const edge of running.splice(0)) await edge.stop();
  for (const s of sites.splice(0)) await cleanBroker(s);
});

describe("edge behind Mosquitto", () => {
  it("ingests readings and dead-letters what it can recognise as invalid", async () => {
    const s = site();
    const edge = await start(s);
    const pir1 = await device(s, "pir-1");
    const pir2 = await device(s, "pir-2");
    await pir1.publishReading({ occupied: true });
    await expect.poll(() => deskStatus(s, "d-1")).toBe("occupied");

    const ghost = await device(s, "ghost-1");
    await ghost.publishReading();
    // pir-1 publishes its own reading on pir-2's topic: pir-2 never announced that boot
    await pir1.publishRaw(pir2.stateTopic, JSON.stringify(pir1.reading({ occupied: true })));
    await pir1.publishRaw(
      pir1.stateTopic,
      JSON.stringify({ ...pir1.reading(), kind: "room", occupied: undefined, count: 1 }),
    );
    await pir1.publishRaw(pir1.stateTopic, "[1,2");
    await expect
      .poll(() => deadLetterReasons(s).sort(), { timeout: 5000 })
      .toEqual(["bad_json", "foreign_topic", "kind_mismatch", "unknown_device", "unknown_device"]);
    expect(deskStatus(s, "d-2")).toBe("unknown");
    const health = JSON.parse((await httpsGet(`${edge.httpsUrl}/health`)).body) as { brokerConnected: boolean };
    expect(health.brokerConnected).toBe(true);
  });

  it("loses nothing and duplicates nothing when the gateway restarts in the middle of a run", async () => {
    const s = site();
    let edge = await start(s);
    const pir = await device(s, "pir-1");
    let published = 0;
    for (let i = 0; i < 50; i += 1) {
      await pir.publishReading({ occupied: i % 2 === 0 });
      published += 1;
    }
    await edge.stop();
    running.splice(running.indexOf(edge), 1);
    // acknowledged by Mosquitto while the gateway is down: queued in the gateway's persistent session
    for (let i = 0; i < 50; i += 1) {
      await pir.publishReading({ occupied: true });
      published += 1;
    }
    edge = await start(s);
    running.push(edge);
    await expect
      .poll(() => query<{ n: number }>(s, "SELECT count(*) AS n FROM readings")[0]?.n, { timeout: 10_000 })
      .toBe(published);
    const seqs = query<{ seq: number }>(s, "SELECT seq FROM readings ORDER BY seq").map((row) => row.seq);
    expect(seqs).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(deskStatus(s, "d-1")).toBe("occupied");
    expect(deadLetterReasons(s)).toEqual([]);
  });
});
