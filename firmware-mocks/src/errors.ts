import { ERROR_CODES, type ErrorCode } from "@desksharing/protocol";

/** Why the fleet or a device could not do what was asked; `code` is one of the protocol's error codes. */
export class FleetError extends Error {
  override name = "FleetError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** MQTT 3.1.1 CONNACK return codes 4 (bad user name or password) and 5 (not authorised). */
const REFUSED_CREDENTIALS = new Set([4, 5, 134, 135]);

/** Turns a connection failure into a FleetError a person can act on. */
export function connectionError(brokerUrl: string, deviceId: string, cause: unknown): FleetError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "number" && REFUSED_CREDENTIALS.has(code)) {
    return new FleetError(
      ERROR_CODES.UNAUTHENTICATED,
      `MQTT broker at ${brokerUrl} refused the credentials of device ${deviceId}`,
      { cause },
    );
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FleetError(ERROR_CODES.UNAVAILABLE, `cannot reach MQTT broker at ${brokerUrl}: ${reason}`, { cause });
}
