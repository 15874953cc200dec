import { connect as connectTcp } from "node:net";
import type { Socket } from "node:net";
import { connect as connectTls } from "node:tls";

import { siteDevicesFilter } from "@desksharing/protocol";
import type { Packet } from "mqtt-packet";
import { generate, parser as createParser } from "mqtt-packet";
import type { Logger } from "pino";

import type { Gateway } from "../gateway.js";
import { BrokerUnreachableError } from "./errors.js";

/** Longest a graceful close waits for messages already read to be committed and acknowledged. */
const DRAIN_MS = 2_000;
const RECONNECT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;
const KEEPALIVE_S = 30;
/**
 * Unacknowledged messages the broker may send before it waits for acknowledgements: MQTT 5's Receive Maximum,
 * sent in CONNECT. Mosquitto takes it in place of its `max_inflight_messages` (20), which closed the window after
 * 20 messages until their commit. The window is wide enough that the broker sends the next messages while the
 * previous ones are committed: at 1,000 the gateway still sat idle for a round trip after every commit.
 */
const RECEIVE_MAXIMUM = 10_000;
/** A session the broker keeps while the gateway is away, however long (MQTT 5's largest expiry, "never"). */
const SESSION_NEVER_EXPIRES = 0xffff_ffff;
const PROTOCOL_VERSION = 5;
/** SUBACK and CONNACK reason codes from here on are failures (MQTT 5 §2.4). */
const FIRST_FAILURE_CODE = 0x80;
const SUBSCRIBE_ID = 1;
/**
 * First byte of a PUBACK (type 4, no flags); the rest is the length 2 and the message id (MQTT 5 leaves out the
 * reason code when it is "success").
 */
const PUBACK_HEADER = 0x40;

export interface ExternalIngest {
  connected(): boolean;
  close(): Promise<void>;
}

interface BrokerAddress {
  tls: boolean;
  host: string;
  port: number;
  username?: string;
  password?: Buffer;
}

/** The gateway's MQTT client id, which is also its user name in the password file provisioning writes. */
export function gatewayClientId(siteId: string): string {
  return `desk-edge-${siteId}`;
}

/** A login in the URL is for a broker whose accounts the operator keeps; otherwise the provisioned one is used. */
function brokerAddress(url: string, login: { username: string; password: string } | undefined): BrokerAddress {
  const parsed = new URL(url);
  const tls = parsed.protocol === "mqtts:";
  const credentials =
    parsed.username !== ""
      ? {
          username: decodeURIComponent(parsed.username),
          ...(parsed.password === "" ? {} : { password: Buffer.from(decodeURIComponent(parsed.password)) }),
        }
      : login === undefined
        ? {}
        : { username: login.username, password: Buffer.from(login.password) };
  return {
    tls,
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? (tls ? 8883 : 1883) : Number(parsed.port),
    ...credentials,
  };
}

/** The URL for messages: a password in it stays out of logs. */
function withoutLogin(url: string): string {
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  return parsed.toString();
}

/**
 * Subscribes to an external broker (e.g. Mosquitto) over MQTT 5 with a persistent session and QoS 1. A message is
 * acknowledged to the broker only after its effect is committed, so a crash of the gateway leaves it queued at
 * the broker and it is delivered again after the restart (dedup makes that harmless).
 *
 * Speaks MQTT through mqtt-packet rather than MQTT.js: MQTT.js hands over one message at a time and reads
 * the next only after the previous one is acknowledged, which would cost one SQLite transaction per message
 * (a sixth of what a bare subscriber receives). Here every message of a turn shares one transaction and the
 * acknowledgements follow it in arrival order.
 */
export async function connectExternalBroker(
  url: string,
  siteId: string,
  gateway: Gateway,
  logger: Logger,
  /** Whether messages wait for their commit (and so for their acknowledgement). */
  awaitingCommit: () => boolean,
  /** The gateway's login from `provisionSite`, unless `url` carries one; with neither it connects anonymously. */
  login?: { username: string; password: string },
): Promise<ExternalIngest> {
  const address = brokerAddress(url, login);
  const filter = siteDevicesFilter(siteId);
  let socket: Socket | null = null;
  let isConnected = false;
  let closing = false;
  let everConnected = false;
  let reconnectTimer: NodeJS.Timeout | null = null;

  const send = (target: Socket, packet: Packet): void => {
    if (!target.destroyed) target.write(generate(packet, { protocolVersion: PROTOCOL_VERSION }));
  };

  const open = (onFirst?: { ready: () => void; fail: (error: Error) => void }): void => {
    const current = address.tls
      ? connectTls({ host: address.host, port: address.port, servername: address.host })
      : connectTcp({ host: address.host, port: address.port });
    socket = current;
    const parser = createParser({ protocolVersion: PROTOCOL_VERSION });
    let unacknowledged = 0;
    let pingTimer: NodeJS.Timeout | null = null;
    let awaitingPong = false;
    // The acknowledgements of one commit leave in one write: a write per message was a tenth of the edge's CPU.
    let acknowledgements: number[] = [];
    const writeAcknowledgements = (): void => {
      const ids = acknowledgements;
      acknowledgements = [];
      if (current.destroyed) return;
      const bytes = Buffer.allocUnsafe(ids.length * 4);
      ids.forEach((id, index) => {
        bytes[index * 4] = PUBACK_HEADER;
        bytes[index * 4 + 1] = 2;
        bytes.writeUInt16BE(id, index * 4 + 2);
      });
      current.write(bytes);
    };
    const acknowledge = (messageId: number): void => {
      if (acknowledgements.length === 0) queueMicrotask(writeAcknowledgements);
      acknowledgements.push(messageId);
    };
    const connectTimer = setTimeout(() => current.destroy(new Error("no CONNACK in time")), CONNECT_TIMEOUT_MS);

    const fail = (error: Error): void => {
      if (onFirst !== undefined && !everConnected) {
        onFirst.fail(new BrokerUnreachableError(withoutLogin(url), error.message));
        closing = true;
      } else {
        logger.warn({ err: error.message }, "mqtt broker error");
      }
      current.destroy();
    };

    current.once(address.tls ? "secureConnect" : "connect", () => {
      send(current, {
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: PROTOCOL_VERSION,
        clientId: gatewayClientId(siteId),
        clean: false,
        keepalive: KEEPALIVE_S,
        properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES, receiveMaximum: RECEIVE_MAXIMUM },
        ...(address.username === undefined ? {} : { username: address.username }),
        ...(address.password === undefined ? {} : { password: address.password }),
      });
    });
    current.on("data", (chunk: Buffer) => parser.parse(chunk));
    current.on("error", fail);
    parser.on("error", fail);
    current.on("close", () => {
      clearTimeout(connectTimer);
      if (pingTimer !== null) clearInterval(pingTimer);
      isConnected = false;
      if (closing) return;
      logger.warn("mqtt broker unreachable, retrying");
      reconnectTimer = setTimeout(() => open(), RECONNECT_MS);
    });

    parser.on("packet", (packet: Packet) => {
      switch (packet.cmd) {
        case "connack": {
          clearTimeout(connectTimer);
          const code = packet.reasonCode ?? packet.returnCode ?? 0;
          if (code !== 0) {
            fail(new Error(`broker refused the connection (CONNACK ${code})`));
            return;
          }
          isConnected = true;
          pingTimer = setInterval(
            () => {
              if (awaitingPong) {
                current.destroy(new Error("no PINGRESP in time"));
                return;
              }
              awaitingPong = true;
              send(current, { cmd: "pingreq" });
            },
            (KEEPALIVE_S * 1000) / 2,
          );
          if (everConnected) logger.info("mqtt broker connected");
          if (!everConnected || !packet.sessionPresent) {
            send(current, { cmd: "subscribe", messageId: SUBSCRIBE_ID, subscriptions: [{ topic: filter, qos: 1 }] });
          }
          return;
        }
        case "suback":
          if (packet.granted.some((granted) => typeof granted !== "number" || granted >= FIRST_FAILURE_CODE)) {
            fail(new Error(`broker refused the subscription to ${filter}`));
            return;
          }
          if (!everConnected) {
            everConnected = true;
            onFirst?.ready();
          }
          return;
        case "pingresp":
          awaitingPong = false;
          return;
        case "publish": {
          // the subscription is QoS 1, so the broker sends nothing at QoS 2
          if (packet.qos === 0) {
            gateway.handleMessage(packet.topic, packet.payload as Buffer);
            return;
          }
          const messageId = packet.messageId ?? 0;
          unacknowledged += 1;
          // a broker that ignores the Receive Maximum still gets no more read than that
          if (unacknowledged >= RECEIVE_MAXIMUM) current.pause();
          gateway.handleMessage(packet.topic, packet.payload as Buffer, (error) => {
            unacknowledged -= 1;
            // a commit that failed leaves the message unacknowledged: the broker delivers it again
            if (error === null && socket === current) acknowledge(messageId);
            if (unacknowledged < RECEIVE_MAXIMUM && !closing) current.resume();
          });
          return;
        }
        case "auth":
        case "connect":
        case "disconnect":
        case "pingreq":
        case "puback":
        case "pubcomp":
        case "pubrec":
        case "pubrel":
        case "subscribe":
        case "unsuback":
        case "unsubscribe":
          // nothing a subscriber at QoS 1 has to answer
          return;
      }
    });
  };

  await new Promise<void>((ready, fail) => open({ ready, fail }));

  return {
    connected: () => isConnected,
    close: async () => {
      closing = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      const current = socket;
      if (current === null || current.destroyed) return;
      // stop reading: whatever is still unread stays unacknowledged at the broker and comes to the next session;
      // what was read is committed and acknowledged before the connection closes
      current.pause();
      const deadline = Date.now() + DRAIN_MS;
      let quietTurns = 0;
      while (quietTurns < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
        quietTurns = awaitingCommit() ? 0 : quietTurns + 1;
      }
      const closed = new Promise((resolve) => current.once("close", resolve));
      send(current, { cmd: "disconnect" });
      current.end();
      // unread data is dropped (never acknowledged) so the socket can see the end of the stream
      current.removeAllListeners("data");
      current.resume();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, DRAIN_MS))]);
      current.destroy();
    },
  };
}
