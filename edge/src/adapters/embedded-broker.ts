import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

import type { AuthenticateError, Client } from "aedes";
import { Aedes } from "aedes";
import type { Logger } from "pino";

import type { Gateway } from "../gateway.js";
import type { CredentialCheck } from "./credentials.js";
import { listen } from "./errors.js";
import type { Metrics } from "./metrics.js";

/** MQTT username of the read-only observer credential (monitoring, benchmark baseline). */
export const OBSERVER_USERNAME = "edge-observer";

export interface EmbeddedBroker {
  port: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  siteId: string;
  gateway: Gateway;
  credentials: CredentialCheck;
  metrics: Metrics;
  logger: Logger;
}

const roles = new WeakMap<Client, "device" | "observer">();

function authError(message: string): AuthenticateError {
  // 4 = bad user name or password (MQTT 3.1.1 CONNACK)
  const error: AuthenticateError = Object.assign(new Error(message), {
    returnCode: 4,
  });
  return error;
}

/**
 * aedes on its own port. Each device logs in with its own id as client id and user name; it may publish only on
 * its own topics and subscribe only under its own subtree. The gateway ingests inside `authorizePublish`, so a
 * device's PUBACK goes out only after the reading (or its dead letter) is committed to SQLite. A refused publish is
 * acknowledged, recorded as a dead letter and delivered to nobody.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { gateway, credentials, metrics, logger, siteId } = options;
  const broker = await Aedes.createBroker({
    // a slow or stalled client must not block delivery to everyone else
    drainTimeout: 10_000,
    queueLimit: 100,
    connectTimeout: 10_000,
    // No cap on deliveries in flight (0): above the cap aedes queues messages in an unbounded array anyway, and
    // each delivery takes two event-loop turns, so with thousands of devices a cap below the messages of one turn
    // throttles every subscriber (the observer got ~2,000 of 7,000 msg/s) while the queue grows without bound.
    concurrency: 0,
    heartbeatInterval: 60_000,
  });
  broker.authenticate = (client, username, password, done) => {
    if (username === OBSERVER_USERNAME && credentials.verify("observer", OBSERVER_USERNAME, password)) {
      roles.set(client, "observer");
      done(null, true);
      return;
    }
    if (username === client.id && credentials.verify("device", client.id, password)) {
      roles.set(client, "device");
      done(null, true);
      return;
    }
    metrics.aclRefused("connect");
    logger.warn({ clientId: client.id.slice(0, 64) }, "mqtt login refused");
    done(authError("bad user name or password"), false);
  };
  // while shutting down, the broker disconnects every client and would publish their Last Wills: the gateway
  // going away says nothing about the devices, so nothing is ingested any more
  let closing = false;
  broker.authorizePublish = (client, packet, done) => {
    if (closing) {
      done(new Error("gateway is shutting down"));
      return;
    }
    const payload = packet.payload as Buffer;
    // a null client is the stored last will of a device that logged in earlier
    const publisher =
      client === null ? (packet.topic.split("/")[4] ?? "") : roles.get(client) === "device" ? client.id : "";
    const topic = packet.topic;
    // Like Mosquitto under MQTT 3.1.1: acknowledge (once the dead letter is committed) and drop. Closing the
    // connection instead would make the client resend the same QoS 1 message after every reconnect.
    const refused = gateway.refusePublish(publisher, topic, payload, (error) => {
      // a `$` topic reaches no subscriber
      packet.topic = `$refused/${publisher || "anonymous"}`;
      packet.retain = false;
      done(error);
    });
    if (refused !== null) {
      metrics.aclRefused("publish");
      return;
    }
    gateway.handleMessage(topic, payload, (error) => done(error));
  };
  broker.authorizeSubscribe = (client, subscription, done) => {
    const role = roles.get(client);
    const own = `desksharing/v1/${siteId}/devices/${client.id}/`;
    const allowed =
      role === "observer"
        ? subscription.topic.startsWith(`desksharing/v1/${siteId}/`)
        : subscription.topic.startsWith(own) && !subscription.topic.slice(0, own.length).includes("+");
    if (!allowed) {
      metrics.aclRefused("subscribe");
      done(null, null);
      return;
    }
    done(null, subscription);
  };
  broker.on("clientError", (client, error) => {
    logger.debug({ clientId: client.id.slice(0, 64), err: error.message }, "mqtt client error");
  });

  const server = createServer(broker.handle);
  try {
    await listen(server, options.host, options.port, "MQTT", "DESK_EDGE_MQTT_PORT");
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        broker.close(() => {
          server.close(() => resolve());
        });
      }),
  };
}
