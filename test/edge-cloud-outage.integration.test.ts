/**
 * A long cloud outage, end to end with real processes (the edge with its product command and embedded broker, the
 * cloud's CLI entry on SQLite, the mock fleet in this process): one hour of a site producing 500 readings per second
 * while the cloud is away, lived through on an accelerated clock shared by edge, cloud and fleet. The edge runs on
 * its default outbox bounds, which must hold such an hour; the back-fill throttle is raised so the drain runs at
 * what link and cloud take (the benchmark measures the default throttle).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { expectExactlyOnce, LinkRig } from "./support/link-rig.js";
import { cloudReceivedAt, edgeBacklog, edgeCounts } from "./support/link.js";
import { waitFor } from "./support/processes.js";

const OUTAGE_VIRTUAL_SECONDS = 3_600;
const READINGS_PER_VIRTUAL_SECOND = 500;
const READINGS = OUTAGE_VIRTUAL_SECONDS * READINGS_PER_VIRTUAL_SECOND;
/** The clock's speed: the fleet publishes SPEED × 500 readings per real second. */
const SPEED = 16;
const DESKS = 500;

const rig = new LinkRig("edge-cloud-outage", SPEED);

beforeAll(() => rig.start());
afterEach(() => rig.cleanup());
afterAll(() => rig.stop());

describe("edge → cloud link after a long outage (real edge, cloud and broker processes)", () => {
  it(
    `one hour of outage at ${READINGS_PER_VIRTUAL_SECOND} readings/s (${READINGS.toLocaleString("en")} readings, ` +
      `clock ${SPEED}×): the outbox holds it all, then every event arrives exactly once, the state snapshot first`,
    async () => {
      const s = await rig.site("outage", {
        desks: DESKS,
        env: {
          // no hold runs out and no silent device goes offline while the test runs (at 16× a device's three missed
          // heartbeats pass within a minute): after the outage nothing new is appended, so the snapshot is exact
          DESK_EDGE_DESK_HOLD_MS: String(24 * 3_600_000),
          DESK_EDGE_ROOM_HOLD_MS: String(24 * 3_600_000),
          DESK_EDGE_HEARTBEAT_MISSES: "100",
          DESK_EDGE_UPLINK_HISTORY_PER_SECOND: "100000",
        },
      });
      await waitFor(rig.linkUp(s), "the link");
      await waitFor(() => edgeCounts(s.dataDir).outboxDepth === 0, "the start snapshot to go up");
      const fleet = await rig.fleetFor(s);

      await rig.cloud.stop();
      await waitFor(async () => (await s.edge.health()).cloud.link.state !== "connected", "the edge to see the outage");
      const publishing = Date.now();
      const run = rig.load(fleet, READINGS_PER_VIRTUAL_SECOND * SPEED);
      let reported = 0;
      await waitFor(
        () => {
          const acknowledged = run.acknowledged();
          if (acknowledged >= reported + 200_000) {
            reported = acknowledged - (acknowledged % 200_000);
            console.log(`outage: ${acknowledged} readings after ${((Date.now() - publishing) / 1000).toFixed(0)} s`);
          }
          return acknowledged >= READINGS;
        },
        `${READINGS} readings`,
        15 * 60_000,
        200,
      );
      const acked = await run.stop();
      const seconds = (Date.now() - publishing) / 1000;
      await waitFor(() => edgeCounts(s.dataDir).readings >= acked.length, "the edge to commit them");
      const backlog = edgeBacklog(s.dataDir);
      const health = await s.edge.health();
      console.log(
        `outage: ${acked.length} readings acknowledged in ${seconds.toFixed(0)} s (${(seconds * SPEED).toFixed(0)} ` +
          `virtual s, ${Math.round(acked.length / seconds / SPEED)} readings per virtual s); outbox ` +
          `${backlog.ids.length} events, ${((health.cloud.outboxBytes ?? 0) / 1e6).toFixed(0)} MB (health: ` +
          `${health.cloud.outboxDepth}), dropped ${health.cloud.droppedTotal}, snapshot ${backlog.snapshot.length} subjects`,
      );
      expect(seconds * SPEED).toBeGreaterThanOrEqual(OUTAGE_VIRTUAL_SECONDS * 0.95);
      expect(health.cloud.droppedTotal).toBe(0);
      expect(health.cloud.outboxDepth).toBe(backlog.ids.length);
      expect(backlog.ids.length).toBeGreaterThanOrEqual(acked.length);

      const back = Date.now();
      await rig.startCloud();
      await waitFor(rig.linkUp(s), "the link after the outage", 30_000);
      const counts = await rig.settle(s, acked, 15 * 60_000);
      console.log(
        `outage: drained ${backlog.ids.length} events in ${((Date.now() - back) / 1000).toFixed(0)} s after restart`,
      );
      expectExactlyOnce(counts);
      expect(counts.acknowledged).toBeGreaterThanOrEqual(READINGS);

      // the newest state of every desk, room and device went up before any other event of the backlog (the cloud
      // stamps a batch's events with one receipt time)
      const receivedAt = cloudReceivedAt(rig.cloud.dbFile, edgeCounts(s.dataDir).instanceId);
      const at = (id: number): number => receivedAt.get(id) ?? Number.NaN;
      const snapshot = new Set(backlog.snapshot);
      const lastOfSnapshot = backlog.snapshot.reduce((last, id) => Math.max(last, at(id)), -Infinity);
      const firstOfHistory = backlog.ids
        .filter((id) => !snapshot.has(id))
        .reduce((first, id) => Math.min(first, at(id)), Infinity);
      const firstBatch = backlog.ids.reduce((first, id) => Math.min(first, at(id)), Infinity);
      console.log(
        `outage: the snapshot's ${snapshot.size} events arrived within ${lastOfSnapshot - firstBatch} ms (cloud clock) ` +
          `of the first batch, the first other event of the backlog ${firstOfHistory - firstBatch} ms after it`,
      );
      expect(lastOfSnapshot).toBeLessThanOrEqual(firstOfHistory);
    },
    30 * 60_000,
  );
});
