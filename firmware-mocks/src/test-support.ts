import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";

import {
  DeviceReading,
  DeviceStatus,
  type FleetCredentials,
  parseDeviceTopic,
  siteDevicesFilter,
  deviceStatusTopic,
  type DeviceProfile,
  PROFILE_KIND,
} from "@desksharing/protocol";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";

/** Helpers for the integration tests: a real in-process broker, a plain subscriber and test credentials. */

export const MOSQUITTO_URL = "mqtt://127.0.0.1:1883";

export function uniqueSiteId(prefix = "mocks-test"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export function testCredentials(siteId: string, counts: Partial<Record<DeviceProfile, number>>): FleetCredentials {
  const prefixes: Record<DeviceProfile, string> = {
    "pir-desk": "pir",
    "thermal-desk": "thermal",
    "room-counter": "counter",
  };
  return {
    siteId,
    devices: (Object.entries(counts) as [DeviceProfile, number][]).flatMap(([profile, count]) =>
      Array.from({ length: count }, (_, i) => ({
        deviceId: `${prefixes[profile]}-${i + 1}`,
        password: randomBytes(18).toString("base64url"),
        profile,
        targetId: `${PROFILE_KIND[profile] === "desk" ? "desk" : "room"}-${prefixes[profile]}-${i + 1}`,
        floorId: "floor-1",
      })),
    ),
  };
}

export interface Received {
  topic: string;
  deviceId: string;
  channel: "state" | "status";
  payload: string;
  retain: boolean;
  receivedAt: number;
}

/** The status a message carries, if it is a (non-empty) status message. */
export function statusOf(message: Received): DeviceStatus | undefined {
  if (message.channel !== "status" || message.payload === "") return undefined;
  return DeviceStatus.parse(JSON.parse(message.payload));
}

/** A plain MQTT client subscribed to every device topic of one site, recording what arrives. */
export class Recorder {
  readonly messages: Received[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly client: MqttClient,
    private readonly siteId: string,
  ) {
    client.on("message", (topic, payload, packet) => {
      const parsed = parseDeviceTopic(topic);
      if (parsed === null) return;
      this.messages.push({
        topic,
        deviceId: parsed.deviceId,
        channel: parsed.channel,
        payload: payload.toString(),
        retain: packet.retain,
        receivedAt: Date.now(),
      });
      for (const wake of this.waiters) wake();
    });
  }

  static async start(url: string, siteId: string): Promise<Recorder> {
    const client = await mqtt.connectAsync(url, {
      clientId: `recorder-${randomBytes(4).toString("hex")}`,
      reconnectPeriod: 0,
    });
    const recorder = new Recorder(client, siteId);
    await client.subscribeAsync(siteDevicesFilter(siteId), { qos: 1 });
    return recorder;
  }

  /** The first message from index `since` on that matches, waiting up to `timeoutMs` for it. */
  waitFor(predicate: (message: Received) => boolean, what: string, timeoutMs = 5_000, since = 0): Promise<Received> {
    return new Promise((resolve, reject) => {
      let checked = since;
      const check = (): boolean => {
        for (; checked < this.messages.length; checked++) {
          const message = this.messages[checked] as Received;
          if (predicate(message)) {
            finish();
            resolve(message);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      if (!check()) this.waiters.add(check);
    });
  }

  readings(deviceId?: string, channelTopic?: string): DeviceReading[] {
    return this.messages
      .filter((m) => m.channel === "state" && (deviceId === undefined || m.deviceId === deviceId))
      .filter((m) => channelTopic === undefined || m.topic === channelTopic)
      .flatMap((m) => {
        try {
          const result = DeviceReading.safeParse(JSON.parse(m.payload));
          return result.success ? [result.data] : [];
        } catch {
          return [];
        }
      });
  }

  statuses(deviceId: string): (DeviceStatus & { retain: boolean })[] {
    return this.messages
      .filter((m) => m.channel === "status" && m.deviceId === deviceId && m.payload !== "")
      .map((m) => ({ ...DeviceStatus.parse(JSON.parse(m.payload)), retain: m.retain }));
  }

  /** Removes the retained statuses this site left on the broker, then disconnects. */
  async close(deviceIds: readonly string[]): Promise<void> {
    await Promise.all(
      deviceIds.map((id) => this.client.publishAsync(deviceStatusTopic(this.siteId, id), "", { qos: 1, retain: true })),
    );
    await this.client.endAsync();
  }
}

export interface TestBroker {
  url: string;
  /** Every CONNECT the broker saw, with whether it was accepted. */
  connects: { clientId: string; username: string | undefined; accepted: boolean }[];
  /** Every PUBLISH by a client, with the publishing client's id. */
  publishes: { clientId: string; topic: string }[];
  close(): Promise<void>;
}

/** An aedes broker on a free port that checks device passwords when given them. */
export async function startAedes(passwords?: ReadonlyMap<string, string>): Promise<TestBroker> {
  const connects: TestBroker["connects"] = [];
  const publishes: TestBroker["publishes"] = [];
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const accepted =
        passwords === undefined ||
        !passwords.has(client.id) ||
        (username === client.id && password?.toString() === passwords.get(client.id));
      connects.push({ clientId: client.id, username, accepted });
      if (accepted) done(null, true);
      else done(Object.assign(new Error("bad credentials"), { returnCode: 4 }), false);
    },
    authorizePublish: (client, packet, done) => {
      if (client !== null) publishes.push({ clientId: client.id, topic: packet.topic });
      done(null);
    },
  });
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    connects,
    publishes,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
