import type { ErrorRequestHandler } from "express";
import type { Logger } from "pino";
import type { z } from "zod";

import { ERROR_CODES, type ErrorCode, type WireError } from "@desksharing/protocol";

/** An expected failure with a wire code; the error middleware turns it into `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong to the error, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The one table from error code to HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  CLIENT_TOO_OLD: 426,
  SERVER_TOO_OLD: 400,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function validationError(error: z.ZodError, where: string): ApiError {
  return new ApiError(
    ERROR_CODES.VALIDATION_FAILED,
    `${where} is invalid: ${error.issues[0]?.message ?? "invalid"}`,
    error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join("."), message: issue.message })),
  );
}

export const notFound = (what: string): ApiError => new ApiError(ERROR_CODES.NOT_FOUND, `${what} not found`);

/** body-parser marks its failures with a `type`; these are the client's mistakes, not ours. */
function fromBodyParser(error: unknown): ApiError | null {
  if (typeof error !== "object" || error === null || !("type" in error)) return null;
  switch (error.type) {
    case "entity.parse.failed":
      return new ApiError(ERROR_CODES.BAD_REQUEST, "request body is not valid JSON");
    case "entity.too.large": {
      const limit = (error as { limit?: unknown }).limit;
      return new ApiError(ERROR_CODES.PAYLOAD_TOO_LARGE, `request body exceeds the limit of ${String(limit)} bytes`);
    }
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, "unsupported body encoding or charset");
    case "request.aborted":
      return new ApiError(ERROR_CODES.BAD_REQUEST, "request aborted");
    default:
      return null;
  }
}

export function errorBody(error: WireError): { error: WireError } {
  return { error: error.details === undefined ? { code: error.code, message: error.message } : error };
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const known = error instanceof ApiError ? error : fromBodyParser(error);
    const wire: WireError = known
      ? { code: known.code, message: known.message, details: known.details }
      : { code: ERROR_CODES.INTERNAL, message: "internal error" };
    if (!known) logger.error({ err: error }, "unhandled error");
    if (res.headersSent) return;
    if (known instanceof ApiError && known.headers) res.set(known.headers);
    res.status(HTTP_STATUS[wire.code]).json(errorBody(wire));
  };
}
