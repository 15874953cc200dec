import { readFileSync } from "node:fs";
import { connect as tlsConnect } from "node:tls";

import { MAX_CLOCK_SKEW_MS } from "@desksharing/protocol";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";

import type { EdgeHandle } from "./app.js";
import type { ObserverCredentials } from "./provision.js";
import { credentialPaths } from "./provision.js";
import type { TestDevice, TestSite } from "./testing/harness.js";
import {
  connectDevice,
  connectError,
  connectKiosk,
  createSite,
  deadLetterReasons,
  deskStatus,
  fleetOf,
  httpsGet,
  kioskAuth,
  kioskTokenOf,
  query,
  startSite,
} from "./testing/harness.js";

const running: EdgeHandle[] = [];
const devices: TestDevice[] = [];

async function start(site: TestSite): Promise<EdgeHandle> {
  const edge = await startSite(site);
  running.push(edge);
  return edge;
}

async function device(
  edge: EdgeHandle,
  site: TestSite,
  id: string,
  kind: "desk" | "room" = "desk",
): Promise<TestDevice> {
  const password = fleetOf(site).devices.find((d) => d.deviceId === id)?.password;
  const created = await connectDevice(edge.mqttUrl, site.siteId, id, password, { kind });
  devices.push(created);
  return created;
}

afterEach(async () => {
  for (const d of devices.splice(0)) d.client.end(true);
  for (const edge of running.splice(0)) await edge.stop();
});

describe("edge with the embedded broker", () => {
  it("stores a reading before acknowledging it and shows the desk on a kiosk within a second", async () => {
    const site = createSite();
    const edge = await start(site);
    const kiosk = connectKiosk(edge.httpsUrl, kioskAuth(kioskTokenOf(site)));
    const snapshot = await kiosk.snapshot;
    expect(snapshot.desks.find((d) => d.deskId === "d-1")?.status).toBe("unknown");
    expect(snapshot.plans[0]?.siteId).toBe(site.siteId);

    const pir = await device(edge, site, "pir-1");
    const sent = Date.now();
    await pir.publishReading({ occupied: true });
    // the PUBACK came back, so the reading is committed
    expect(query(site, "SELECT seq FROM readings WHERE device_id = 'pir-1'")).toEqual([{ seq: 1 }]);
    expect(deskStatus(site, "d-1")).toBe("occupied");
    await expect
      .poll(() => kiosk.deltas.flatMap((d) => d.desks).find((d) => d.deskId === "d-1")?.status, { timeout: 1000 })
      .toBe("occupied");
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(kiosk.deltas.map((d) => d.seq)).toEqual(kiosk.deltas.map((_d, i) => snapshot.seq + i + 1));

    const resync = await kiosk.socket.emitWithAck("floor:resync");
    expect(resync.ok && resync.data.desks.find((d) => d.deskId === "d-1")?.status).toBe("occupied");
    kiosk.socket.close();
  });

  it("dead-letters every kind of bad input with its reason and changes no state", async () => {
    const site = createSite();
    const edge = await start(site);
    const pir = await device(edge, site, "pir-1");
    await pir.publishReading({ occupied: true });
    const before = query(site, "SELECT * FROM targets ORDER BY target_id");

    await pir.publishRaw(pir.stateTopic, "{not json");
    await pir.publishRaw(pir.stateTopic, JSON.stringify({ ...pir.reading(), occupied: "yes" }));
    await pir.publishRaw(pir.stateTopic, JSON.stringify(pir.reading({ fw: "x".repeat(9000) })));
    await pir.publishRaw(
      pir.stateTopic,
      JSON.stringify(pir.reading({ occupied: false, ts: Date.now() + MAX_CLOCK_SKEW_MS + 60_000 })),
    );
    await pir.publishRaw(
      pir.stateTopic,
      JSON.stringify(pir.reading({ occupied: false, ts: Date.now() - MAX_CLOCK_SKEW_MS - 60_000 })),
    );
    await pir.publishRaw(
      pir.stateTopic,
      JSON.stringify({ ...pir.reading({ occupied: undefined, count: 2 }), kind: "room" }),
    );
    const replay = { v: 1, ts: Date.now(), seq: 1, boot: pir.boot, kind: "desk", occupied: false };
    await pir.publishRaw(pir.stateTopic, JSON.stringify(replay));
    for (let i = 0; i < 10; i += 1) await pir.publishRaw(pir.stateTopic, JSON.stringify(replay));

    expect(deadLetterReasons(site)).toEqual([
      "bad_json",
      "schema",
      "oversized",
      "clock_skew",
      "clock_skew",
      "kind_mismatch",
      ...Array<string>(11).fill("duplicate"),
    ]);
    expect(query(site, "SELECT * FROM targets ORDER BY target_id")).toEqual(before);
    expect(query(site, "SELECT count(*) AS n FROM readings")).toEqual([{ n: 1 }]);
    const metrics = (await httpsGet(`${edge.httpsUrl}/metrics`)).body;
    expect(metrics).toMatch(/edge_messages_rejected_total\{reason="duplicate"\} 11/);
    expect(metrics).toMatch(/edge_messages_rejected_total\{reason="clock_skew"\} 2/);
  });

  it("lets each device publish only on its own topics and refuses wrong or missing passwords", async () => {
    const site = createSite();
    const edge = await start(site);
    const pir1 = await device(edge, site, "pir-1");
    await device(edge, site, "pir-2");
    await pir1.publishReading({ occupied: true });

    await pir1.publishRaw(`desksharing/v1/${site.siteId}/devices/pir-2/state`, JSON.stringify(pir1.reading()));
    expect(deadLetterReasons(site)).toEqual(["foreign_topic"]);
    expect(deskStatus(site, "d-2")).toBe("unknown");
    expect(query(site, "SELECT count(*) AS n FROM readings")).toEqual([{ n: 1 }]);

    await expect(
      mqtt.connectAsync(edge.mqttUrl, {
        clientId: "pir-3",
        username: "pir-3",
        password: "wrong-password-123",
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(mqtt.connectAsync(edge.mqttUrl, { clientId: "pir-3", reconnectPeriod: 0 })).rejects.toThrow();
    const stranger = fleetOf(site).devices.find((d) => d.deviceId === "pir-3")?.password ?? "";
    await expect(
      mqtt.connectAsync(edge.mqttUrl, { clientId: "pir-3", username: "pir-1", password: stranger, reconnectPeriod: 0 }),
    ).rejects.toThrow();

    const pir3 = await device(edge, site, "pir-3");
    await expect(
      pir3.client.subscribeAsync(`desksharing/v1/${site.siteId}/devices/+/state`, { qos: 1 }),
    ).rejects.toThrow(/Subscribe error/);
    const own = await pir3.client.subscribeAsync(`desksharing/v1/${site.siteId}/devices/pir-3/cmd/#`, { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    const metrics = (await httpsGet(`${edge.httpsUrl}/metrics`)).body;
    expect(metrics).toMatch(/edge_mqtt_acl_refusals_total\{action="connect"\} 3/);
    expect(metrics).toMatch(/edge_mqtt_acl_refusals_total\{action="subscribe"\} 1/);
  });

  it("runs hold times, follows the Last Will and resumes state and dedup after a restart", async () => {
    const site = createSite({ env: { DESK_EDGE_DESK_HOLD_MS: "400", DESK_EDGE_ROOM_HOLD_MS: "400" } });
    let edge = await start(site);
    const pir = await device(edge, site, "pir-1");
    const counter = await device(edge, site, "cnt-1", "room");
    await pir.publishReading({ occupied: true });
    await pir.publishReading({ occupied: false });
    expect(deskStatus(site, "d-1")).toBe("pending-free");
    await expect.poll(() => deskStatus(site, "d-1"), { timeout: 3000 }).toBe("free");
    await counter.publishReading({ count: 4 });

    const pir2 = await device(edge, site, "pir-2");
    await pir2.publishReading({ occupied: true });
    pir2.client.stream.destroy();
    await expect.poll(() => deskStatus(site, "d-2"), { timeout: 5000 }).toBe("offline");

    await edge.stop();
    running.splice(running.indexOf(edge), 1);
    edge = await start(site);
    const kiosk = connectKiosk(edge.httpsUrl, kioskAuth(kioskTokenOf(site)));
    const snapshot = await kiosk.snapshot;
    expect(snapshot.desks.find((d) => d.deskId === "d-1")?.status).toBe("free");
    expect(snapshot.desks.find((d) => d.deskId === "d-2")?.status).toBe("offline");
    expect(snapshot.rooms.find((r) => r.roomId === "r-1")).toMatchObject({ status: "occupied", count: 4 });
    kiosk.socket.close();

    const again = await connectDevice(edge.mqttUrl, site.siteId, "pir-1", fleetOf(site).devices[0]?.password, {
      boot: pir.boot,
    });
    devices.push(again);
    await again.publishRaw(
      again.stateTopic,
      JSON.stringify({ v: 1, ts: Date.now(), seq: 2, boot: pir.boot, kind: "desk", occupied: true }),
    );
    expect(deadLetterReasons(site)).toEqual(["duplicate"]);
    expect(deskStatus(site, "d-1")).toBe("free");
  });

  it("gives the observer login a read-only view of the site's topics", async () => {
    const site = createSite();
    const edge = await start(site);
    const observer = JSON.parse(readFileSync(credentialPaths(site.dataDir).observer, "utf8")) as ObserverCredentials;
    const watcher = await mqtt.connectAsync(edge.mqttUrl, {
      clientId: "watcher",
      username: observer.username,
      password: observer.password,
      reconnectPeriod: 0,
    });
    const seen: string[] = [];
    watcher.on("message", (topic) => seen.push(topic));
    await watcher.subscribeAsync(`desksharing/v1/${site.siteId}/devices/+/state`, { qos: 0 });
    const pir = await device(edge, site, "pir-1");
    await pir.publishReading();
    await expect.poll(() => seen).toEqual([pir.stateTopic]);
    await watcher.publishAsync(pir.stateTopic, JSON.stringify(pir.reading()), { qos: 1 });
    await expect.poll(() => deadLetterReasons(site)).toEqual(["foreign_topic"]);
    expect(seen).toEqual([pir.stateTopic]);
    expect(query(site, "SELECT count(*) AS n FROM readings")).toEqual([{ n: 1 }]);
    watcher.end(true);
  });

  it("refuses kiosks without a valid credential or with another protocol version", async () => {
    const site = createSite();
    const edge = await start(site);
    for (const auth of [{}, { token: "x".repeat(32), protocolVersion: 1 }, { token: kioskTokenOf(site) }]) {
      const probe = connectKiosk(edge.httpsUrl, auth);
      let snapshots = 0;
      probe.socket.on("floor:snapshot", () => (snapshots += 1));
      expect(await connectError(probe.socket)).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(snapshots).toBe(0);
      probe.socket.close();
    }
    const old = connectKiosk(edge.httpsUrl, { token: kioskTokenOf(site), protocolVersion: 99 });
    expect(await connectError(old.socket)).toMatchObject({ code: "SERVER_TOO_OLD" });
    old.socket.close();
  });

  it("serves HTTPS only with TLS 1.2 or newer, HSTS and a health report", async () => {
    const site = createSite();
    const edge = await start(site);
    const response = await httpsGet(`${edge.httpsUrl}/health`);
    expect(response.headers["strict-transport-security"]).toMatch(/max-age=63072000/);
    expect(JSON.parse(response.body)).toMatchObject({
      status: "ok",
      brokerConnected: true,
      dbOk: true,
      devices: { total: 4 },
    });
    const port = Number(new URL(edge.httpsUrl).port);
    const legacy = await new Promise<string>((resolve) => {
      const socket = tlsConnect({
        host: "127.0.0.1",
        port,
        maxVersion: "TLSv1.1",
        minVersion: "TLSv1",
        rejectUnauthorized: false,
      });
      socket.once("secureConnect", () => resolve("connected"));
      socket.once("error", (error: Error) => resolve(error.message));
    });
    expect(legacy).not.toBe("connected");
  });
});
