import {
  type DeviceKind,
  type DeviceLifecycle,
  type DeviceProfile,
  type DeviceReading,
  deviceStatusTopic,
  type DeviceStatus,
  ERROR_CODES,
  PROFILE_KIND,
} from "@desksharing/protocol";
import mqtt, { type MqttClient } from "mqtt";
import type { Logger } from "pino";

import {
  applyMessageFaults,
  type FaultKind,
  type FaultRates,
  isMessageFault,
  type MessageFault,
  MESSAGE_FAULTS,
  type WireMessage,
} from "./domain/faults.js";
import { batteryLevel, type DeviceTraits, rssiSample } from "./domain/profiles.js";
import { connectionError, FleetError } from "./errors.js";
import { createRandom, type Random } from "./random.js";

/** What tests and the fleet see of one simulated device. */
export interface MockDevice {
  readonly deviceId: string;
  readonly profile: DeviceProfile;
  /** Boot id of the current (simulated) boot; a reboot draws a new one. */
  readonly boot: string;
  /** Sequence number the next reading will carry: 0 after every boot. */
  readonly seq: number;
  connect(): Promise<void>;
  publishReading(values?: { occupied?: boolean; count?: number }): Promise<DeviceReading>;
  reboot(): Promise<void>;
  dropConnection(): void;
  stop(): Promise<void>;
}

export interface DeviceOptions {
  siteId: string;
  deviceId: string;
  password: string;
  profile: DeviceProfile;
  brokerUrl: string;
  keepaliveSeconds: number;
  seed: number;
  /** Appended to every boot id so that two runs with one seed never collide in the edge's dedup table. */
  runTag: string;
  traits: DeviceTraits;
  /** Virtual now. */
  now: () => number;
  /** Virtual time the fleet started; batteries drain from there. */
  startedAt: number;
  faultRates: FaultRates;
  reconnectDelayMs: { min: number; max: number };
  /** Another device of the fleet for `foreign-topic`, if there is one. */
  foreignDevice: (random: Random) => string | undefined;
  logger: Logger;
  onPublished: () => void;
  onFault: (kind: FaultKind) => void;
}

const UINT32_RANGE = 2 ** 32;
const STOP_TIMEOUT_MS = 5_000;

/** One simulated sensor with its own MQTT session: client id and user name are the device id. */
export class SimulatedDevice implements MockDevice {
  readonly deviceId: string;
  readonly profile: DeviceProfile;
  readonly kind: DeviceKind;
  /** Called once the first connection of each boot is up and its online status is out. */
  onBoot: (() => void) | undefined;

  private bootId: string;
  private nextSeq = 0;
  private value: { occupied: boolean; count: number } = { occupied: false, count: 0 };
  private messages = 0;
  private held: WireMessage | undefined;
  private client: MqttClient | undefined;
  private online: Promise<void> = Promise.resolve();
  private bootAnnounced = false;
  private everConnected = false;
  private manual = 0;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly bootRandom: Random;
  private readonly faultRandom: Random;
  private readonly radioRandom: Random;
  private readonly backoffRandom: Random;

  constructor(private readonly options: DeviceOptions) {
    this.deviceId = options.deviceId;
    this.profile = options.profile;
    this.kind = PROFILE_KIND[options.profile];
    this.bootRandom = createRandom(options.seed, options.deviceId, "boot");
    this.faultRandom = createRandom(options.seed, options.deviceId, "faults");
    this.radioRandom = createRandom(options.seed, options.deviceId, "radio");
    this.backoffRandom = createRandom(options.seed, options.deviceId, "backoff");
    this.bootId = this.drawBootId();
  }

  get boot(): string {
    return this.bootId;
  }

  get seq(): number {
    return this.nextSeq;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  get traits(): DeviceTraits {
    return this.options.traits;
  }

  async connect(): Promise<void> {
    if (this.stopping) throw new FleetError(ERROR_CODES.CONFLICT, `device ${this.deviceId} is stopped`);
    if (this.connected) return this.online;
    this.manual++;
    try {
      await this.attempt(this.options.password);
    } catch (error) {
      throw connectionError(this.options.brokerUrl, this.deviceId, error);
    } finally {
      this.manual--;
    }
    return this.online;
  }

  publishReading(values?: { occupied?: boolean; count?: number }): Promise<DeviceReading> {
    return this.emitReading(values, this.options.now());
  }

  /**
   * Builds the next reading at virtual time `at`, lets the configured fault rates (and `forced` faults) shape what
   * goes on the wire, and resolves once the broker has acknowledged every message sent now.
   */
  async emitReading(
    values: { occupied?: boolean; count?: number } | undefined,
    at: number,
    forced: readonly MessageFault[] = [],
  ): Promise<DeviceReading> {
    if (this.client === undefined) {
      throw new FleetError(ERROR_CODES.CONFLICT, `device ${this.deviceId} has never connected; call connect() first`);
    }
    if (values?.occupied !== undefined) this.value.occupied = values.occupied;
    if (values?.count !== undefined) this.value.count = values.count;
    const reading: DeviceReading = {
      v: 1,
      ts: Math.max(0, Math.round(at)),
      seq: this.nextSeq,
      boot: this.bootId,
      kind: this.kind,
      ...(this.kind === "desk" ? { occupied: this.value.occupied } : { count: this.value.count }),
      battery: batteryLevel(this.options.traits, at - this.options.startedAt, this.messages),
      rssi: rssiSample(this.options.traits, this.radioRandom),
      fw: this.options.traits.fw,
    };
    this.nextSeq = (this.nextSeq + 1) % UINT32_RANGE;
    this.messages++;

    const faults = new Set<MessageFault>(forced);
    for (const kind of MESSAGE_FAULTS) {
      const rate = this.options.faultRates[kind] ?? 0;
      if (rate > 0 && this.faultRandom.chance(rate)) faults.add(kind);
    }
    const foreignDeviceId = faults.has("foreign-topic") ? this.options.foreignDevice(this.faultRandom) : undefined;
    if (foreignDeviceId === undefined) faults.delete("foreign-topic");
    if (this.held !== undefined) faults.delete("reorder");
    for (const kind of faults) this.options.onFault(kind);

    const outcome = applyMessageFaults(
      reading,
      faults,
      {
        siteId: this.options.siteId,
        deviceId: this.deviceId,
        random: this.faultRandom,
        ...(foreignDeviceId === undefined ? {} : { foreignDeviceId }),
      },
      this.held,
    );
    this.held = outcome.held;
    const sent = outcome.messages.map((message) => this.publish(message.topic, message.payload, false));
    this.rollConnectionFaults();
    await Promise.all(sent);
    return reading;
  }

  /** Applies one connection-level fault now. */
  async applyConnectionFault(kind: Exclude<FaultKind, MessageFault>): Promise<void> {
    this.options.onFault(kind);
    switch (kind) {
      case "disconnect":
        this.dropConnection();
        return;
      case "reboot":
        return this.reboot();
      case "wrong-password":
        return this.reconnectWithWrongPassword();
    }
  }

  /** Power cycle: the connection drops without DISCONNECT (the broker sends the Last Will), RAM is lost. */
  async reboot(): Promise<void> {
    if (this.stopping) return;
    this.manual++;
    try {
      await this.dropAndWait();
      this.held = undefined;
      this.bootId = this.drawBootId();
      this.nextSeq = 0;
      this.bootAnnounced = false;
      await this.attempt(this.options.password);
      await this.online;
    } catch (error) {
      this.options.logger.warn({ deviceId: this.deviceId, err: error }, "device could not reconnect after reboot");
    } finally {
      this.manual--;
      this.ensureReconnecting();
    }
  }

  /** Drops the TCP connection without DISCONNECT, as a lost network does; the device reconnects with backoff. */
  dropConnection(): void {
    this.client?.stream?.destroy();
  }

  /** Reconnects once with a wrong password (a secure broker refuses it), then goes back to the right one. */
  async reconnectWithWrongPassword(): Promise<void> {
    if (this.stopping) return;
    this.manual++;
    try {
      await this.dropAndWait();
      await this.attempt(`wrong-${this.faultRandom.token(20)}`).catch((error: unknown) => {
        this.options.logger.debug({ deviceId: this.deviceId, err: error }, "wrong password refused");
      });
    } finally {
      this.manual--;
      this.ensureReconnecting();
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client === undefined) return;
    if (!client.connected) {
      await client.endAsync(true);
      return;
    }
    const goodbye = async (): Promise<void> => {
      const held = this.held;
      this.held = undefined;
      await Promise.all([
        ...(held === undefined ? [] : [this.publish(held.topic, held.payload, false)]),
        this.publishStatus("offline"),
      ]);
      await client.endAsync(false);
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), STOP_TIMEOUT_MS);
    });
    const outcome = await Promise.race([goodbye().catch(() => "failed" as const), timeout]);
    clearTimeout(timer);
    if (outcome !== undefined) await client.endAsync(true);
  }

  private drawBootId(): string {
    return `${this.bootRandom.token(8)}-${this.options.runTag}`;
  }

  private status(state: DeviceLifecycle): DeviceStatus {
    return { state, boot: this.bootId, fw: this.options.traits.fw, ts: Math.max(0, Math.round(this.options.now())) };
  }

  private publishStatus(state: DeviceLifecycle): Promise<void> {
    return this.publish(
      deviceStatusTopic(this.options.siteId, this.deviceId),
      JSON.stringify(this.status(state)),
      true,
    );
  }

  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.options.onPublished();
    await client.publishAsync(topic, payload, { qos: 1, retain });
  }

  private createClient(): MqttClient {
    const client = mqtt.connect(this.options.brokerUrl, {
      clientId: this.deviceId,
      username: this.deviceId,
      password: this.options.password,
      keepalive: this.options.keepaliveSeconds,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      manualConnect: true,
    });
    client.on("connect", () => this.onConnect());
    client.on("close", () => this.onClose());
    client.on("error", (error) => {
      this.options.logger.debug({ deviceId: this.deviceId, err: error }, "mqtt error");
    });
    return client;
  }

  /**
   * One connection attempt with the given password and a Last Will for the current boot. The Will's `ts` is the
   * connect time: MQTT 3.1.1 cannot change a Will later, so a receiver must not judge its age by `ts`.
   */
  private attempt(password: string): Promise<void> {
    const first = this.client === undefined;
    const client = (this.client ??= this.createClient());
    client.options.password = password;
    client.options.will = {
      topic: deviceStatusTopic(this.options.siteId, this.deviceId),
      payload: Buffer.from(JSON.stringify(this.status("offline"))),
      qos: 1,
      retain: true,
    };
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        client.off("connect", onConnect);
        client.off("error", onError);
        client.off("close", onClose);
        client.options.password = this.options.password;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onConnect = (): void => settle();
      const onError = (error: Error): void => settle(error);
      const onClose = (): void => settle(new Error("connection closed before the broker accepted it"));
      client.once("connect", onConnect);
      client.once("error", onError);
      client.once("close", onClose);
      if (first) client.connect();
      else client.reconnect();
    });
  }

  private onConnect(): void {
    this.everConnected = true;
    this.attempts = 0;
    this.online = this.publishStatus("online").then(() => {
      if (!this.bootAnnounced && !this.stopping) {
        this.bootAnnounced = true;
        this.onBoot?.();
      }
    });
    this.online.catch((error: unknown) => {
      this.options.logger.debug({ deviceId: this.deviceId, err: error }, "online status not acknowledged");
    });
  }

  private onClose(): void {
    if (this.manual === 0) this.ensureReconnecting();
  }

  private ensureReconnecting(): void {
    if (this.stopping || !this.everConnected || this.connected || this.reconnectTimer !== undefined) return;
    const { min, max } = this.options.reconnectDelayMs;
    const delay = Math.min(max, min * 2 ** this.attempts) * this.backoffRandom.between(0.5, 1.5);
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopping || this.connected || this.manual > 0) return;
      this.attempt(this.options.password).catch((error: unknown) => {
        this.options.logger.debug({ deviceId: this.deviceId, err: error }, "reconnect failed");
      });
    }, delay);
  }

  private dropAndWait(): Promise<void> {
    const client = this.client;
    const stream = client?.stream;
    if (client === undefined || stream === undefined || stream.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      client.once("close", () => resolve());
      stream.destroy();
    });
  }

  private rollConnectionFaults(): void {
    for (const kind of ["disconnect", "reboot", "wrong-password"] as const) {
      const rate = this.options.faultRates[kind] ?? 0;
      if (rate > 0 && this.faultRandom.chance(rate)) {
        void this.applyConnectionFault(kind);
        return;
      }
    }
  }
}

export function isConnectionFault(kind: FaultKind): kind is Exclude<FaultKind, MessageFault> {
  return !isMessageFault(kind);
}
