export {
  CloudLink,
  type CloudLinkOptions,
  type GatewaySocket,
  type LinkState,
  type UplinkHealth,
  type UplinkMetrics,
} from "./cloud-link.js";
export {
  backoffMs,
  classify,
  composeBatch,
  dropBudget,
  dropFromPage,
  DEFAULT_OUTBOX_BOUNDS,
  HistoryThrottle,
  planDrops,
  type DropBudget,
  type DropPlan,
  type DropReason,
  type OutboxBounds,
  type OutboxEventInput,
  type OutboxRowInfo,
} from "./outbox-policy.js";
export { OutboxStore, type NextBatchOptions, type OutboxEntry, type OutboxStats } from "./outbox-store.js";
