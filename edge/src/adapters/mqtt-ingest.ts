import { siteDevicesFilter } from "@desksharing/protocol";
import type { MqttClient } from "mqtt";
import type { Logger } from "pino";

import type { Gateway } from "../gateway.js";

/** Longest a graceful close waits for messages already read to be committed and acknowledged. */
const DRAIN_MS = 2_000;

export interface ExternalIngest {
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Subscribes to an external broker (e.g. Mosquitto) with a persistent session and QoS 1. A message is
 * acknowledged to the broker only after its effect is committed, so a crash of the gateway leaves it queued at
 * the broker and it is delivered again after the restart (dedup makes that harmless).
 */
export async function connectExternalBroker(
  url: string,
  siteId: string,
  gateway: Gateway,
  logger: Logger,
  /** Whether messages wait for their commit (and so for their acknowledgement). */
  awaitingCommit: () => boolean,
): Promise<ExternalIngest> {
  // the MQTT client library is only needed behind an external broker
  const { default: mqtt } = await import("mqtt");
  const client: MqttClient = mqtt.connect(url, {
    clientId: `desk-edge-${siteId}`,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    keepalive: 30,
  });
  client.handleMessage = (packet, callback) => {
    gateway.handleMessage(packet.topic, Buffer.from(packet.payload), (error) => callback(error ?? undefined));
  };
  client.on("error", (error) => logger.warn({ err: error.message }, "mqtt broker error"));
  client.on("offline", () => logger.warn("mqtt broker unreachable, retrying"));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      client.end(true);
      reject(new Error(`cannot reach the MQTT broker at ${url} (DESK_EDGE_MQTT_URL): ${error.message}`));
    };
    client.once("error", onError);
    client.once("connect", () => {
      client.off("error", onError);
      resolve();
    });
  });
  await client.subscribeAsync(siteDevicesFilter(siteId), { qos: 1 });
  client.on("connect", (connack) => {
    logger.info("mqtt broker connected");
    if (!connack.sessionPresent) {
      client.subscribe(siteDevicesFilter(siteId), { qos: 1 });
    }
  });
  return {
    connected: () => client.connected,
    close: async () => {
      // stop reading: whatever is still unread stays unacknowledged at the broker and comes to the next session;
      // what was read is committed and acknowledged before the connection closes
      client.stream.unpipe();
      const deadline = Date.now() + DRAIN_MS;
      let quietTurns = 0;
      while (quietTurns < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
        quietTurns = awaitingCommit() ? 0 : quietTurns + 1;
      }
      // unread data is dropped (never acknowledged) so the socket can see the broker close it
      client.stream.resume();
      await client.endAsync();
    },
  };
}
