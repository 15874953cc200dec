/**
 * A steady load from the mock fleet: every device publishes QoS 1 readings one after the other (one in flight per
 * device), paced so that the whole fleet offers `ratePerSecond`. Keeps the key of every reading the broker
 * acknowledged; a publish cut off by a crash and never acknowledged does not count.
 */
import type { Fleet, MockDevice } from "@desksharing/firmware-mocks";

import { readingKey } from "./link.js";
import { sleep } from "./processes.js";

export interface FleetLoad {
  /** Readings acknowledged so far. */
  acknowledged(): number;
  /** Keys (`device/boot/seq`) of the acknowledged readings. */
  acked(): string[];
  setRate(ratePerSecond: number): void;
  /** Stops publishing; waits up to `graceMs` for publishes in flight (acknowledged ones still count). */
  stop(graceMs?: number): Promise<string[]>;
}

/**
 * `changeEvery`: a desk's presence flips every that many readings of its sensor (rooms: the count goes 2 ↔ 0), so
 * some readings change state (desk and room events) and most only confirm it.
 */
export function steadyLoad(
  fleet: Pick<Fleet, "devices">,
  ratePerSecond: number,
  changeEvery = 20,
  giveUpMs = 2_000,
): FleetLoad {
  const acked: string[] = [];
  let running = true;
  let rate = ratePerSecond;
  let slotsFrom = Date.now();
  let slots = 0;
  const next = async (): Promise<void> => {
    // one global pace: the n-th reading of the fleet goes out at n / rate seconds
    const at = slotsFrom + (slots++ / rate) * 1000;
    const wait = at - Date.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -1000) {
      // fell behind (broker or edge away): start a fresh pace instead of bursting to catch up
      slotsFrom = Date.now();
      slots = 1;
    }
  };
  const loop = async (device: MockDevice, index: number): Promise<void> => {
    let count = index;
    while (running) {
      await next();
      if (!running) return;
      count += 1;
      const present = Math.floor(count / changeEvery) % 2 === 0;
      const values = device.profile === "room-counter" ? { count: present ? 2 : 0 } : { occupied: present };
      // A publish cut off with its connection never settles: the mock device reconnects with MQTT.js's
      // `reconnect()`, which starts a fresh outgoing store, so the message is neither resent nor failed. The device
      // moves on after `giveUpMs`; should the acknowledgement still come, the reading counts.
      const acknowledged = await Promise.race([
        device.publishReading(values).then(
          (reading) => {
            acked.push(readingKey(device.deviceId, reading.boot, reading.seq));
            return true;
          },
          () => false,
        ),
        sleep(giveUpMs).then(() => false),
      ]);
      // not acknowledged (the connection went, or the fleet stopped): it does not count
      if (!acknowledged) await sleep(100);
    }
  };
  const loops = [...fleet.devices.values()].map((device, index) => loop(device, index));
  return {
    acknowledged: () => acked.length,
    acked: () => [...acked],
    setRate(ratePerSecond: number) {
      rate = ratePerSecond;
      slotsFrom = Date.now();
      slots = 0;
    },
    async stop(graceMs = 5_000) {
      running = false;
      await Promise.race([Promise.allSettled(loops), sleep(graceMs)]);
      return [...acked];
    },
  };
}
