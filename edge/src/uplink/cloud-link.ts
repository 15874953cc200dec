import type { Logger } from "pino";
import { io, type Socket } from "socket.io-client";

import {
  GATEWAY_NAMESPACE,
  PROTOCOL_VERSION,
  UplinkBatchResult,
  UPLINK_MAX_BATCH_EVENTS,
  type Ack,
  type GatewayLinkClientToServerEvents,
  type GatewayServerToClientEvents,
  type UplinkBatch,
} from "@desksharing/protocol";

import { backoffMs, HistoryThrottle, type OutboxBounds } from "./outbox-policy.js";
import type { OutboxEntry, OutboxStore } from "./outbox-store.js";

/** The link as health reports it. `refused` carries the cloud's code (UNAUTHENTICATED, FORBIDDEN, CLIENT_TOO_OLD, …). */
export type LinkState =
  | { state: "disabled" }
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "refused"; code: string; message: string };

export interface UplinkHealth {
  link: LinkState;
  outboxDepth: number;
  outboxBytes: number;
  oldestUnsentAt: number | null;
  droppedTotal: number;
  deadLetters: number;
}

/** Hooks for the edge's metrics (prom-client lives in the composition root); every one optional. */
export interface UplinkMetrics {
  linkState?(state: LinkState): void;
  /** `backfill`: events of the batch written before the link came up (snapshot and history). */
  batchAcknowledged?(result: {
    events: number;
    backfill: number;
    stored: number;
    duplicates: number;
    seconds: number;
  }): void;
  batchFailed?(reason: string): void;
  deadLettered?(count: number, code: string): void;
  dropped?(byReason: Record<string, number>): void;
}

export interface CloudLinkOptions {
  /** `https://cloud.example` (the namespace is appended). */
  url: string;
  /** `dsk_gateway_…`; never logged. */
  token: string;
  /** The credential's site key (the cloud refuses events of any other site). */
  siteId: string;
  /** PEM of the CA to trust (development: the cloud's DATA_DIR/tls/cert.pem); omitted = the system's. */
  ca?: string;
  outbox: OutboxStore;
  bounds: OutboxBounds;
  logger: Logger;
  metrics?: UplinkMetrics;
  now?: () => number;
  random?: () => number;
  maxBatchEvents?: number;
  /** JSON bytes per batch; the cloud takes < 1 MB. */
  maxBatchBytes?: number;
  /** Waits this long after a wake-up so a batch collects what arrives together. */
  lingerMs?: number;
  /** Checks the outbox this often when nothing woke the link. */
  pollMs?: number;
  ackTimeoutMs?: number;
  statusIntervalMs?: number;
  /** Back-fill rate after an outage (events/s); live events are never throttled. */
  historyPerSecond?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * Called with every new socket before it connects, so other parts of the link (the downlink) can listen on it.
   * The socket is replaced after every reconnect.
   */
  onSocket?: (socket: GatewaySocket) => void;
}

export type GatewaySocket = Socket<GatewayServerToClientEvents, GatewayLinkClientToServerEvents>;

const PERMANENT = new Set(["VALIDATION_FAILED", "FORBIDDEN"]);

/**
 * The edge's side of `/gateway` (DESIGN §6, edge.md G9–G13): one batch in flight, rows deleted only on `ok`,
 * resent on timeout, disconnect or UNAVAILABLE (the cloud deduplicates by event id), a batch refused for good
 * split in halves until the bad events are alone and dead-lettered. Reconnects with capped jittered backoff,
 * also after a refusal (a credential may be replaced), logging each state change once.
 */
export class CloudLink {
  private socket: GatewaySocket | null = null;
  private current: LinkState = { state: "disabled" };
  private stopped = false;
  private attempt = 0;
  private liveAfter = 0;
  private readonly throttle: HistoryThrottle;
  /** Parts of a permanently refused batch still to be sent alone or split further. */
  private isolating: number[][] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private statusTimer: NodeJS.Timeout | null = null;
  /** Bounds are enforced while the link is down too: that is when the outbox grows. */
  private boundsTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private sending = false;
  private wakeQueued = false;
  private readonly now: () => number;
  private readonly o: Required<
    Pick<
      CloudLinkOptions,
      | "maxBatchEvents"
      | "maxBatchBytes"
      | "lingerMs"
      | "pollMs"
      | "ackTimeoutMs"
      | "statusIntervalMs"
      | "historyPerSecond"
      | "backoffBaseMs"
      | "backoffCapMs"
    >
  >;

  constructor(private readonly options: CloudLinkOptions) {
    this.now = options.now ?? Date.now;
    this.o = {
      maxBatchEvents: Math.min(options.maxBatchEvents ?? UPLINK_MAX_BATCH_EVENTS, UPLINK_MAX_BATCH_EVENTS),
      maxBatchBytes: options.maxBatchBytes ?? 768 * 1024,
      lingerMs: options.lingerMs ?? 100,
      pollMs: options.pollMs ?? 1000,
      ackTimeoutMs: options.ackTimeoutMs ?? 30_000,
      statusIntervalMs: options.statusIntervalMs ?? 15_000,
      historyPerSecond: options.historyPerSecond ?? 2000,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffCapMs: options.backoffCapMs ?? 15_000,
    };
    this.throttle = new HistoryThrottle(this.o.historyPerSecond, this.o.maxBatchEvents, this.now());
  }

  get state(): LinkState {
    return this.current;
  }

  /** For the health endpoint: the link and the outbox behind it. */
  health(): UplinkHealth {
    const stats = this.options.outbox.stats();
    return {
      link: this.current,
      outboxDepth: stats.depth,
      outboxBytes: stats.bytes,
      oldestUnsentAt: stats.oldestCreatedAt,
      droppedTotal: stats.droppedTotal,
      deadLetters: stats.deadLetters,
    };
  }

  start(): void {
    if (this.socket !== null || this.stopped) return;
    this.boundsTimer ??= setInterval(() => this.enforceBounds(), this.o.statusIntervalMs);
    // a refused gateway stays refused (for health) until the cloud takes it
    if (this.current.state !== "refused") this.setState({ state: "connecting" });
    this.options.logger.debug({ url: this.options.url, attempt: this.attempt }, "connecting to the cloud");
    const socket: GatewaySocket = io(`${this.options.url}${GATEWAY_NAMESPACE}`, {
      auth: { token: this.options.token, protocolVersion: PROTOCOL_VERSION },
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
    });
    this.socket = socket;
    this.options.onSocket?.(socket);
    socket.on("connect", () => {
      this.attempt = 0;
      // Everything written before the link came up is back-fill: snapshot first, then throttled history.
      this.liveAfter = this.options.outbox.lastId();
      this.setState({ state: "connected" });
      this.sendStatus();
      this.statusTimer = setInterval(() => this.sendStatus(), this.o.statusIntervalMs);
      this.wake(0);
    });
    socket.on("connect_error", (error: Error & { data?: { code?: unknown; message?: unknown } }) => {
      const code = typeof error.data?.code === "string" ? error.data.code : null;
      if (code !== null) {
        const message = typeof error.data?.message === "string" ? error.data.message : error.message;
        this.setState({ state: "refused", code, message });
      } else {
        this.setState({ state: "connecting" }, error.message);
      }
      this.reconnect();
    });
    socket.on("disconnect", (reason) => {
      if (this.current.state === "connected") this.setState({ state: "connecting" }, reason);
      this.reconnect();
    });
  }

  /** Something was appended (call after the store's commit): sends it after the linger time. */
  notify(): void {
    this.wake(this.o.lingerMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    if (this.boundsTimer !== null) clearInterval(this.boundsTimer);
    this.boundsTimer = null;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.setState({ state: "disabled" });
    while (this.sending) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private reconnect(): void {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.disconnect();
    if (this.stopped) return;
    const delay = backoffMs(
      this.attempt++,
      (this.options.random ?? Math.random)(),
      this.o.backoffBaseMs,
      this.o.backoffCapMs,
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.start();
    }, delay);
  }

  private clearTimers(): void {
    for (const timer of [this.timer, this.reconnectTimer]) if (timer !== null) clearTimeout(timer);
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.timer = this.reconnectTimer = this.statusTimer = null;
    this.wakeQueued = false;
  }

  private enforceBounds(): void {
    if (this.stopped) return;
    const perCall = 10_000;
    const dropped = this.options.outbox.enforceBounds(this.options.bounds, this.now(), perCall);
    const total = dropped.age + dropped.rows + dropped.bytes;
    if (total === 0) return;
    this.options.logger.warn({ dropped }, "uplink outbox over its bounds: oldest history dropped");
    this.options.metrics?.dropped?.(dropped);
    // more to drop: go on after the event loop had its turn, so ingest is never blocked for long
    if (total >= perCall) setImmediate(() => this.enforceBounds());
  }

  private sendStatus(): void {
    const stats = this.options.outbox.stats();
    this.socket?.emit("uplink:status", {
      siteId: this.options.siteId,
      outboxDepth: stats.depth,
      oldestUnsentAt: stats.oldestCreatedAt,
      droppedTotal: stats.droppedTotal,
    });
  }

  private wake(delayMs: number): void {
    if (this.stopped || this.current.state !== "connected") return;
    if (this.sending) {
      this.wakeQueued = true;
      return;
    }
    const dueAt = this.now() + delayMs;
    if (this.timer !== null) {
      // a pending wake-up that comes sooner stays; a later one (the idle poll) gives way to this one
      if (this.timerDueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sendNext();
    }, delayMs);
  }

  private async sendNext(): Promise<void> {
    const socket = this.socket;
    if (socket === null || this.current.state !== "connected") return;
    this.sending = true;
    this.wakeQueued = false;
    let next = this.o.pollMs;
    try {
      const isolated = this.isolating[0];
      const batch =
        isolated !== undefined
          ? this.options.outbox.entries(isolated, this.liveAfter)
          : this.options.outbox.nextBatch({
              maxEvents: this.o.maxBatchEvents,
              maxBytes: this.o.maxBatchBytes,
              liveAfter: this.liveAfter,
              historyAllowance: this.throttle.allowance(this.now()),
            });
      if (batch.length === 0) {
        if (isolated !== undefined) {
          this.isolating.shift();
          next = 0;
        } else if (!this.options.outbox.isEmpty()) {
          next = Math.max(1, this.throttle.waitMs(this.now()));
        }
        return;
      }
      next = await this.send(socket, batch, isolated !== undefined);
    } finally {
      this.sending = false;
      // a link that came back while this batch was out starts over at once
      const sameSocket = this.socket === socket;
      if (!sameSocket || this.wakeQueued) next = Math.min(next, sameSocket ? this.o.lingerMs : 0);
      this.wake(next);
    }
  }

  /** Sends one batch; returns how long to wait before the next. */
  private async send(socket: GatewaySocket, batch: OutboxEntry[], isolated: boolean): Promise<number> {
    const started = this.now();
    const history = batch.filter((entry) => entry.id <= this.liveAfter).length;
    const events: UplinkBatch["events"] = batch.map((entry) => entry.event);
    let reply: Ack<unknown>;
    try {
      const raw: unknown = await socket.timeout(this.o.ackTimeoutMs).emitWithAck("uplink:batch", { events });
      reply = raw as Ack<unknown>;
    } catch {
      // no answer in time (or the socket went): the same rows go again, the cloud deduplicates them
      this.options.metrics?.batchFailed?.("timeout");
      return this.failureDelay();
    }
    const ids = batch.map((entry) => entry.id);
    if (reply.ok) {
      const result = UplinkBatchResult.safeParse(reply.data);
      this.options.outbox.acknowledge(ids);
      this.throttle.consume(history, this.now());
      if (isolated) this.isolating.shift();
      this.attempt = 0;
      this.options.metrics?.batchAcknowledged?.({
        events: batch.length,
        backfill: history,
        stored: result.success ? result.data.stored : 0,
        duplicates: result.success ? result.data.duplicates : 0,
        seconds: (this.now() - started) / 1000,
      });
      if (!this.options.outbox.isEmpty()) return 0;
      this.sendStatus();
      return this.o.pollMs;
    }
    const { code, message } = reply.error;
    this.options.metrics?.batchFailed?.(code);
    if (!PERMANENT.has(code)) return this.failureDelay();
    if (isolated) this.isolating.shift();
    if (ids.length === 1) {
      this.options.outbox.deadLetter(ids, code, message, this.now());
      this.options.logger.error(
        { code, eventId: batch[0]?.eventId },
        "the cloud refuses an uplink event; dead-lettered",
      );
      this.options.metrics?.deadLettered?.(1, code);
      return 0;
    }
    const half = Math.ceil(ids.length / 2);
    this.isolating.unshift(ids.slice(0, half), ids.slice(half));
    this.options.logger.warn({ code, events: ids.length }, "the cloud refuses an uplink batch; splitting it");
    return 0;
  }

  private failureDelay(): number {
    return backoffMs(this.attempt++, (this.options.random ?? Math.random)(), this.o.backoffBaseMs, this.o.backoffCapMs);
  }

  private setState(next: LinkState, detail?: string): void {
    const same =
      next.state === this.current.state &&
      (next.state !== "refused" || (this.current.state === "refused" && this.current.code === next.code));
    this.current = next;
    if (same) return;
    const log = this.options.logger;
    if (next.state === "refused") {
      log.error({ code: next.code, reason: next.message }, "the cloud refuses this gateway's credential");
    } else if (next.state === "connected") {
      log.info({ url: this.options.url }, "cloud link up");
    } else if (next.state === "connecting") {
      log.warn({ url: this.options.url, reason: detail }, "cloud link down, reconnecting");
    }
    this.options.metrics?.linkState?.(next);
  }
}
