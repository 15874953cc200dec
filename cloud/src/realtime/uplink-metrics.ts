import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface UplinkMetrics {
  received: Counter;
  stored: Counter;
  duplicates: Counter;
  refused: Counter<"reason">;
  storeSeconds: Histogram;
}

/** Uplink counters on the cloud's one registry (`/metrics`); no labels that name sites or gateways. */
export function createUplinkMetrics(registry: Registry, connectedGateways: () => number): UplinkMetrics {
  new Gauge({
    name: "desk_cloud_gateways_connected",
    help: "Gateway sockets connected to this instance",
    registers: [registry],
    collect() {
      this.set(connectedGateways());
    },
  });
  return {
    received: new Counter({
      name: "desk_cloud_uplink_events_received_total",
      help: "Uplink events received in valid batches",
      registers: [registry],
    }),
    stored: new Counter({
      name: "desk_cloud_uplink_events_stored_total",
      help: "Uplink events stored (first arrival)",
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "desk_cloud_uplink_events_duplicate_total",
      help: "Uplink events received again and ignored",
      registers: [registry],
    }),
    refused: new Counter({
      name: "desk_cloud_uplink_batches_refused_total",
      help: "Uplink batches refused, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    storeSeconds: new Histogram({
      name: "desk_cloud_uplink_batch_store_seconds",
      help: "Time to store one uplink batch (transaction including commit)",
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
