import type {
  DeadLetterReason,
  DeviceLifecycle,
  DeskState,
  FloorPlan,
  OccupancySettings,
  RoomState,
  RoomStatus,
} from "@desksharing/protocol";
import { deviceProfileOf, sensorsOfPlan } from "@desksharing/protocol";

import type { SqliteStore } from "./adapters/sqlite-store.js";
import type { DeviceState } from "./domain/devices.js";
import { initialDevice, isLowBattery, isSilent, targetOffline } from "./domain/devices.js";
import type { MessageContext, Verdict } from "./domain/messages.js";
import { classifyMessage, publishRefusal } from "./domain/messages.js";
import type { TargetState } from "./domain/occupancy.js";
import { applyReading, initialTarget, setOffline, shownCount, tick } from "./domain/occupancy.js";

/** Largest part of a refused payload kept in the dead-letter table. */
const DEAD_LETTER_PAYLOAD_CHARS = 512;

export interface GatewayObserver {
  messageReceived(channel: "state" | "status" | "other"): void;
  readingAccepted(): void;
  messageRejected(reason: DeadLetterReason): void;
  targetsChanged(targets: readonly TargetState[]): void;
}

export interface DeviceSummary {
  total: number;
  online: number;
  offline: number;
  unknown: number;
  lowBattery: number;
}

export interface GatewayOptions {
  siteId: string;
  plans: readonly FloorPlan[];
  settings: OccupancySettings;
  store: SqliteStore;
  /** Virtual time now. */
  now: () => number;
  /** True behind the embedded broker, which proves who published. */
  publisherVerified: boolean;
  observer: GatewayObserver;
  /** With the uplink on: readings go to the cloud as history too (default true); state changes always do. */
  uplinkReadings?: boolean;
}

function channelOf(topic: string): "state" | "status" | "other" {
  if (topic.endsWith("/state")) return "state";
  return topic.endsWith("/status") ? "status" : "other";
}

function targetKey(kind: "desk" | "room", id: string): string {
  return `${kind}:${id}`;
}

/**
 * The gateway's working state: devices and desks/rooms in memory, every change written through the batched
 * store. Messages go through {@link classifyMessage}; state changes through the pure occupancy rules.
 */
export class Gateway {
  readonly devices = new Map<string, DeviceState>();
  private readonly targets = new Map<string, TargetState>();
  private readonly devicesOfTarget = new Map<string, DeviceState[]>();
  private lastIngestAt: number | null = null;
  /** The store keeps an uplink outbox: state changes and readings are described for the cloud. */
  private readonly uplink: boolean;
  private readonly uplinkReadings: boolean;

  /** One context for every message (its clock set per message): a fresh one per message was garbage. */
  private readonly context: MessageContext;

  constructor(private readonly options: GatewayOptions) {
    const store = options.store;
    this.uplink = store.uplinkEnabled;
    this.uplinkReadings = this.uplink && options.uplinkReadings !== false;
    this.context = {
      siteId: options.siteId,
      devices: this.devices,
      now: 0,
      publisherVerified: options.publisherVerified,
      seen: (deviceId, boot, seq) => store.hasReading(deviceId, boot, seq),
    };
  }

  /** Builds the state of every planned device and target, resuming from what the store holds. */
  load(): void {
    const now = this.options.now();
    const storedDevices = new Map(this.options.store.loadDevices().map((d) => [d.deviceId, d]));
    const storedTargets = new Map(this.options.store.loadTargets().map((t) => [targetKey(t.kind, t.id), t]));
    for (const plan of this.options.plans) {
      for (const desk of plan.desks) this.addTarget(initialTarget("desk", desk.id, plan.floorId, now), storedTargets);
      for (const room of plan.rooms) this.addTarget(initialTarget("room", room.id, plan.floorId, now), storedTargets);
      for (const sensor of sensorsOfPlan(plan)) {
        const fresh = initialDevice(
          sensor.deviceId,
          sensor.kind,
          deviceProfileOf(sensor.deviceId, sensor.kind),
          sensor.targetId,
          sensor.floorId,
        );
        const device = { ...fresh, ...storedDevices.get(sensor.deviceId) };
        this.devices.set(device.deviceId, device);
        const key = targetKey(sensor.kind, sensor.targetId);
        this.devicesOfTarget.set(key, [...(this.devicesOfTarget.get(key) ?? []), device]);
      }
    }
    for (const [key, target] of this.targets) {
      // a target's row keeps the newest reading time only from its last change of state: its devices' readings
      // hold the newest one
      let lastTs = target.lastTs;
      for (const device of this.devicesOfTarget.get(key) ?? []) {
        const ts = this.options.store.newestAppliedTs(device.deviceId);
        if (ts !== null && (lastTs === null || ts > lastTs)) lastTs = ts;
      }
      target.lastTs = lastTs;
      this.options.store.putTarget(target);
      // every start tells the cloud where each desk and room stands (the outbox may have been off, or dropped)
      this.uplinkTarget(target);
    }
    for (const device of this.devices.values()) if (device.availability !== "unknown") this.saveDevice(device, now);
    this.tick();
  }

  private addTarget(fresh: TargetState, stored: Map<string, Omit<TargetState, "floorId">>): void {
    const key = targetKey(fresh.kind, fresh.id);
    this.targets.set(key, { ...fresh, ...stored.get(key), floorId: fresh.floorId });
  }

  /** Why the embedded broker refuses a client's publish, or null; refusals are recorded as dead letters. */
  refusePublish(
    clientId: string,
    topic: string,
    payload: Uint8Array,
    acknowledge?: (error: Error | null) => void,
  ): { reason: DeadLetterReason } | null {
    const refusal = publishRefusal(topic, clientId, this.options.siteId, this.devices);
    if (refusal === null) return null;
    this.options.observer.messageReceived("other");
    this.deadLetter(topic, payload, refusal.reason, refusal.detail);
    if (acknowledge !== undefined) this.options.store.afterCommit(acknowledge);
    return refusal;
  }

  /**
   * Handles one MQTT message. `acknowledge` is called once its effect (state, reading or dead letter) is committed,
   * so the message is only acknowledged to the broker when a crash can no longer lose it.
   */
  handleMessage(topic: string, payload: Uint8Array, acknowledge?: (error: Error | null) => void): Verdict {
    const now = this.options.now();
    const store = this.options.store;
    this.context.now = now;
    const verdict = classifyMessage(topic, payload, this.context);
    this.options.observer.messageReceived(channelOf(topic));
    switch (verdict.type) {
      case "reject":
        this.deadLetter(topic, payload, verdict.reason, verdict.detail);
        break;
      case "reading":
        this.applyReading(verdict, now);
        break;
      case "status":
        this.applyStatus(verdict, now);
        break;
    }
    if (acknowledge !== undefined) store.afterCommit(acknowledge);
    return verdict;
  }

  private deadLetter(topic: string, payload: Uint8Array, reason: DeadLetterReason, detail: string): void {
    this.options.observer.messageRejected(reason);
    this.options.store.addDeadLetter({
      receivedAt: this.options.now(),
      topic: topic.slice(0, 512),
      reason,
      detail,
      payload: Buffer.from(payload.subarray(0, DEAD_LETTER_PAYLOAD_CHARS * 4))
        .toString("utf8")
        .slice(0, DEAD_LETTER_PAYLOAD_CHARS),
    });
  }

  private applyReading(verdict: Extract<Verdict, { type: "reading" }>, now: number): void {
    const { reading } = verdict;
    const device = this.devices.get(verdict.device.deviceId);
    if (device === undefined) return;
    // The device row is rewritten only when more than its last sighting changes: the store derives that from the
    // reading itself when it loads, and a row write per reading was a good part of every commit.
    const rowChanged =
      verdict.newBoot ||
      device.availability !== "online" ||
      (reading.battery !== undefined && reading.battery !== device.battery);
    if (verdict.newBoot) {
      device.boot = reading.boot;
      device.bootTs = reading.ts;
    }
    device.lastSeen = now;
    device.availability = "online";
    if (reading.battery !== undefined) device.battery = reading.battery;
    if (rowChanged) this.saveDevice(device, now);
    this.lastIngestAt = now;
    const key = targetKey(device.kind, device.targetId);
    const target = this.targets.get(key);
    let applied = false;
    if (target !== undefined) {
      const result = applyReading(target, reading, now, this.options.settings);
      applied = result.applied;
      if (result.applied) {
        // the row is written only when the public state moves; the newest reading time alone is restored at start
        // from the readings, and a row write per reading was a good part of every commit
        const next = result.state;
        if (result.changed || stateMoved(target, next)) this.saveTarget(key, next, result.changed);
        else this.targets.set(key, next);
      }
    }
    if (this.uplinkReadings) {
      this.options.store.addUplink({
        type: "reading",
        siteId: this.options.siteId,
        at: reading.ts,
        deviceId: device.deviceId,
        boot: reading.boot,
        seq: reading.seq,
        ...(reading.occupied !== undefined ? { occupied: reading.occupied } : {}),
        ...(reading.count !== undefined ? { count: reading.count } : {}),
        ...(reading.battery !== undefined ? { battery: reading.battery } : {}),
        ...(reading.rssi !== undefined ? { rssi: reading.rssi } : {}),
        // older than the state it would change: history, never shown live
        historical: !applied,
      });
    }
    this.options.store.addReading({
      deviceId: device.deviceId,
      boot: reading.boot,
      seq: reading.seq,
      ts: reading.ts,
      receivedAt: now,
      kind: reading.kind,
      occupied: reading.occupied ?? null,
      count: reading.count ?? null,
      battery: reading.battery ?? null,
      rssi: reading.rssi ?? null,
      fw: reading.fw ?? null,
      applied,
    });
    this.options.observer.readingAccepted();
  }

  private applyStatus(verdict: Extract<Verdict, { type: "status" }>, now: number): void {
    const { status } = verdict;
    const device = this.devices.get(verdict.device.deviceId);
    if (device === undefined) return;
    if (status.boot !== device.boot && status.state !== "offline") {
      device.boot = status.boot;
      device.bootTs = status.ts;
    }
    device.lastSeen = now;
    device.availability = status.state === "offline" ? "offline" : "online";
    this.saveDevice(device, now, status.state);
    this.refreshOffline(device, now);
  }

  /** Re-derives whether the device's target is offline after its availability changed. */
  private refreshOffline(device: DeviceState, now: number): void {
    const key = targetKey(device.kind, device.targetId);
    const target = this.targets.get(key);
    if (target === undefined) return;
    const offline = targetOffline(this.devicesOfTarget.get(key) ?? []);
    const result = setOffline(target, offline, now, now, this.options.settings);
    if (result.changed) this.saveTarget(key, result.state, true);
  }

  private saveTarget(key: string, state: TargetState, changed: boolean): void {
    this.targets.set(key, state);
    this.options.store.putTarget(state);
    if (changed) {
      this.uplinkTarget(state);
      this.options.observer.targetsChanged([state]);
    }
  }

  private saveDevice(device: DeviceState, now: number, lifecycle?: DeviceLifecycle): void {
    this.options.store.putDevice(device);
    if (!this.uplink) return;
    this.options.store.addUplink({
      type: "device-state",
      siteId: this.options.siteId,
      at: now,
      deviceId: device.deviceId,
      availability: device.availability,
      ...(lifecycle !== undefined ? { lifecycle } : {}),
      ...(device.battery !== null ? { battery: device.battery } : {}),
    });
  }

  /** A desk's or room's public state changed: the cloud hears of it through the outbox. */
  private uplinkTarget(target: TargetState): void {
    if (!this.uplink) return;
    const base = { siteId: this.options.siteId, at: this.options.now() };
    this.options.store.addUplink(
      target.kind === "desk"
        ? { ...base, type: "desk-state", state: toDeskState(target) }
        : { ...base, type: "room-state", state: toRoomState(target) },
    );
  }

  /** Lets hold times run out and marks silent devices offline; run periodically. */
  tick(): void {
    const now = this.options.now();
    for (const device of this.devices.values()) {
      if (isSilent(device, now, this.options.settings)) {
        device.availability = "offline";
        this.saveDevice(device, now);
        this.refreshOffline(device, now);
      }
    }
    const changed: TargetState[] = [];
    for (const [key, target] of this.targets) {
      const result = tick(target, now, this.options.settings);
      if (result.changed) {
        this.targets.set(key, result.state);
        this.options.store.putTarget(result.state);
        this.uplinkTarget(result.state);
        changed.push(result.state);
      }
    }
    if (changed.length > 0) this.options.observer.targetsChanged(changed);
  }

  desks(): DeskState[] {
    return [...this.targets.values()].filter((t) => t.kind === "desk").map(toDeskState);
  }

  rooms(): RoomState[] {
    return [...this.targets.values()].filter((t) => t.kind === "room").map(toRoomState);
  }

  target(kind: "desk" | "room", id: string): TargetState | undefined {
    return this.targets.get(targetKey(kind, id));
  }

  deviceSummary(): DeviceSummary {
    const summary: DeviceSummary = { total: 0, online: 0, offline: 0, unknown: 0, lowBattery: 0 };
    for (const device of this.devices.values()) {
      summary.total += 1;
      summary[device.availability] += 1;
      if (isLowBattery(device, this.options.settings.lowBatteryPercent)) summary.lowBattery += 1;
    }
    return summary;
  }

  lowBatteryDevices(): string[] {
    return [...this.devices.values()]
      .filter((device) => isLowBattery(device, this.options.settings.lowBatteryPercent))
      .map((device) => device.deviceId);
  }

  lastIngest(): number | null {
    return this.lastIngestAt;
  }
}

/** Whether anything of the target's stored state but its newest reading time differs. */
function stateMoved(before: TargetState, after: TargetState): boolean {
  return (
    before.status !== after.status ||
    before.since !== after.since ||
    before.count !== after.count ||
    before.holdStart !== after.holdStart ||
    before.offline !== after.offline ||
    before.present !== after.present
  );
}

export function toDeskState(target: TargetState): DeskState {
  return { deskId: target.id, floorId: target.floorId, status: target.status, since: target.since };
}

export function toRoomState(target: TargetState): RoomState {
  const status: RoomStatus = target.status === "pending-free" ? "occupied" : target.status;
  return { roomId: target.id, floorId: target.floorId, status, count: shownCount(target), since: target.since };
}
