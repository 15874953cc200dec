import type { DeadLetterReason } from "@desksharing/protocol";
import { DEAD_LETTER_REASONS } from "@desksharing/protocol";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import type { DeviceSummary } from "../gateway.js";
import type { LinkState, UplinkHealth, UplinkMetrics } from "../uplink/cloud-link.js";

/** Window over which the ingest rates are averaged. */
const RATE_WINDOW_MS = 10_000;

interface Sample {
  at: number;
  received: number;
  committed: number;
}

/**
 * Prometheus metrics of one edge (own registry, so several edges can live in one process in tests).
 * Rates are also exported as gauges averaged over the last 10 s for dashboards without PromQL.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Label children bound once: a labelled `inc` hashes its labels on every call. */
  private readonly received: Record<"state" | "status" | "other", Counter.Internal>;
  private readonly accepted: Counter;
  private readonly committed: Counter;
  private readonly rejected: Counter<"reason">;
  private readonly deadLetters: Counter;
  private readonly acl: Counter<"action">;
  private readonly commitSeconds: Histogram;
  private receivedCount = 0;
  private committedCount = 0;
  private samples: Sample[] = [];
  private sampler: NodeJS.Timeout | null = null;

  /** Hooks the cloud link reports through. */
  readonly uplink: UplinkMetrics;

  constructor(sources: {
    devices(): DeviceSummary;
    kioskClients(): number;
    brokerConnected(): boolean;
    /** The cloud link and its outbox; null when the link is off. */
    uplink(): UplinkHealth | null;
  }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const received = new Counter({
      name: "edge_messages_received_total",
      help: "MQTT messages received from devices, by channel",
      labelNames: ["channel"],
      registers,
    });
    this.received = {
      state: received.labels("state"),
      status: received.labels("status"),
      other: received.labels("other"),
    };
    this.accepted = new Counter({ name: "edge_readings_accepted_total", help: "Readings accepted", registers });
    this.committed = new Counter({
      name: "edge_readings_committed_total",
      help: "Readings committed to SQLite",
      registers,
    });
    this.rejected = new Counter({
      name: "edge_messages_rejected_total",
      help: "Messages refused and dead-lettered, by reason",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of Object.values(DEAD_LETTER_REASONS)) this.rejected.inc({ reason }, 0);
    this.deadLetters = new Counter({
      name: "edge_dead_letters_committed_total",
      help: "Dead letters committed to SQLite",
      registers,
    });
    this.acl = new Counter({
      name: "edge_mqtt_acl_refusals_total",
      help: "Embedded broker refusals, by action (connect, publish, subscribe)",
      labelNames: ["action"],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: "edge_batch_commit_seconds",
      help: "Duration of one batched SQLite transaction",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    });
    new Gauge({
      name: "edge_devices",
      help: "Provisioned devices by availability, and those with low battery",
      labelNames: ["state"],
      registers,
      collect() {
        const summary = sources.devices();
        this.set({ state: "online" }, summary.online);
        this.set({ state: "offline" }, summary.offline);
        this.set({ state: "unknown" }, summary.unknown);
        this.set({ state: "low_battery" }, summary.lowBattery);
      },
    });
    new Gauge({
      name: "edge_kiosk_clients",
      help: "Connected kiosks",
      registers,
      collect() {
        this.set(sources.kioskClients());
      },
    });
    new Gauge({
      name: "edge_broker_connected",
      help: "1 when the MQTT broker is up and the gateway is subscribed",
      registers,
      collect() {
        this.set(sources.brokerConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: "edge_uplink_connected",
      help: "1 when the cloud link is up, 0 when it is down or refused, -1 when no cloud is configured",
      registers,
      collect() {
        const health = sources.uplink();
        this.set(health === null ? -1 : health.link.state === "connected" ? 1 : 0);
      },
    });
    new Gauge({
      name: "edge_uplink_outbox",
      help: "Uplink outbox: events waiting for the cloud, their bytes, age of the oldest in seconds, dead letters",
      labelNames: ["measure"],
      registers,
      collect() {
        const health = sources.uplink();
        if (health === null) return;
        this.set({ measure: "events" }, health.outboxDepth);
        this.set({ measure: "bytes" }, health.outboxBytes);
        this.set(
          { measure: "oldest_age_seconds" },
          health.oldestUnsentAt === null ? 0 : Math.max(0, (Date.now() - health.oldestUnsentAt) / 1000),
        );
        this.set({ measure: "dead_letters" }, health.deadLetters);
      },
    });
    const sent = new Counter({
      name: "edge_uplink_events_acknowledged_total",
      help: "Events the cloud acknowledged, live or back-fill (written while the link was down)",
      labelNames: ["phase"],
      registers,
    });
    const failed = new Counter({
      name: "edge_uplink_batches_failed_total",
      help: "Uplink batches not acknowledged, by reason (timeout or the cloud's error code)",
      labelNames: ["reason"],
      registers,
    });
    const dropped = new Counter({
      name: "edge_uplink_events_dropped_total",
      help: "Outbox events dropped by the bounds policy, by bound",
      labelNames: ["bound"],
      registers,
    });
    const batchSeconds = new Histogram({
      name: "edge_uplink_batch_seconds",
      help: "Time from sending an uplink batch to the cloud's acknowledgement",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const transitions = new Counter({
      name: "edge_uplink_link_changes_total",
      help: "Cloud link state changes, by new state",
      labelNames: ["state"],
      registers,
    });
    this.uplink = {
      linkState: (state: LinkState) => transitions.inc({ state: state.state }),
      batchAcknowledged: (result) => {
        sent.inc({ phase: "live" }, result.events - result.backfill);
        sent.inc({ phase: "backfill" }, result.backfill);
        batchSeconds.observe(result.seconds);
      },
      batchFailed: (reason) => failed.inc({ reason }),
      dropped: (byReason) => {
        for (const [bound, count] of Object.entries(byReason)) if (count > 0) dropped.inc({ bound }, count);
      },
    };
    const rates = (): { received: number; committed: number } => this.rates();
    new Gauge({
      name: "edge_ingest_rate_per_second",
      help: "Messages received and readings committed per second, averaged over 10 s",
      labelNames: ["kind"],
      registers,
      collect() {
        const now = rates();
        this.set({ kind: "received" }, now.received);
        this.set({ kind: "committed" }, now.committed);
      },
    });
  }

  start(): void {
    this.sample();
    this.sampler = setInterval(() => this.sample(), 1_000);
    this.sampler.unref();
  }

  stop(): void {
    if (this.sampler !== null) clearInterval(this.sampler);
  }

  private sample(): void {
    const at = Date.now();
    this.samples.push({ at, received: this.receivedCount, committed: this.committedCount });
    this.samples = this.samples.filter((s) => at - s.at <= RATE_WINDOW_MS);
  }

  rates(): { received: number; committed: number } {
    const first = this.samples[0];
    if (first === undefined) return { received: 0, committed: 0 };
    const seconds = Math.max(1, Date.now() - first.at) / 1000;
    return {
      received: (this.receivedCount - first.received) / seconds,
      committed: (this.committedCount - first.committed) / seconds,
    };
  }

  messageReceived(channel: "state" | "status" | "other"): void {
    this.receivedCount += 1;
    this.received[channel].inc();
  }

  readingAccepted(): void {
    this.accepted.inc();
  }

  messageRejected(reason: DeadLetterReason): void {
    this.rejected.inc({ reason });
  }

  committedBatch(readings: number, deadLetters: number, seconds: number): void {
    this.committedCount += readings;
    this.committed.inc(readings);
    this.deadLetters.inc(deadLetters);
    this.commitSeconds.observe(seconds);
  }

  aclRefused(action: "connect" | "publish" | "subscribe"): void {
    this.acl.inc({ action });
  }

  totals(): { received: number; committed: number } {
    return { received: this.receivedCount, committed: this.committedCount };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  contentType(): string {
    return this.registry.contentType;
  }
}
