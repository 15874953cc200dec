/** Error codes shared by every channel (REST, socket.io acks, dead letters). */
export const ERROR_CODES = {
  BAD_REQUEST: "BAD_REQUEST",
  VALIDATION_FAILED: "VALIDATION_FAILED",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  RATE_LIMITED: "RATE_LIMITED",
  CLIENT_TOO_OLD: "CLIENT_TOO_OLD",
  SERVER_TOO_OLD: "SERVER_TOO_OLD",
  UNAVAILABLE: "UNAVAILABLE",
  INTERNAL: "INTERNAL",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Why the edge refused an MQTT message. Each refused message is stored as a dead letter with one of these.
 */
export const DEAD_LETTER_REASONS = {
  MALFORMED_TOPIC: "malformed_topic",
  FOREIGN_SITE: "foreign_site",
  UNKNOWN_DEVICE: "unknown_device",
  FOREIGN_TOPIC: "foreign_topic",
  OVERSIZED: "oversized",
  BAD_JSON: "bad_json",
  SCHEMA: "schema",
  KIND_MISMATCH: "kind_mismatch",
  CLOCK_SKEW: "clock_skew",
  DUPLICATE: "duplicate",
  STALE_BOOT: "stale_boot",
} as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[keyof typeof DEAD_LETTER_REASONS];

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}
