import type { WireError } from "./errors.js";

/** The acknowledgement every request event answers with (DESIGN §4). */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };

export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

export function fail<T = never>(error: WireError): Ack<T> {
  return { ok: false, error };
}
