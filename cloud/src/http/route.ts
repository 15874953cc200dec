import type { z } from "zod";

import type { ImageType } from "../domain/image.js";
import type { Principal, Scope } from "../identity/scopes.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** What a request body may be: JSON validated by a schema (with one of the configured limits), or an image. */
export type BodySpec = { kind: "json"; schema: z.ZodType; limit: "json" | "floorPlan" } | { kind: "image" };

export type ResponseSpec =
  | { kind: "json"; status: number; schema: z.ZodType; description: string }
  | { kind: "binary"; status: number; contentTypes: readonly ImageType[]; description: string }
  | { kind: "text"; status: number; contentType: string; description: string }
  | { kind: "empty"; status: 204; description: string };

export type RouteResult = (
  | { status: number; body: unknown }
  | { status: number; binary: Uint8Array; contentType: string }
  | { status: number; text: string; contentType: string }
  | { status: 204; empty: true }
) & { headers?: Record<string, string> };

export interface RouteContext<P, Q, B> {
  /** Present on every route that requires a scope. */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  now: Date;
  /** The client's address as seen by this server (the throttle's per-address key). */
  client: { address: string };
}

/**
 * A query is an object of named parameters, each documented as one `in: query` parameter. Values arrive as text
 * (numbers need `z.coerce`); the mount makes it strict, so an unknown parameter is refused like an unknown body key.
 */
export type QuerySchema = z.ZodObject;

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type BodyOf<T> = T extends { kind: "json"; schema: infer S }
  ? Infer<S>
  : T extends { kind: "image" }
    ? Buffer
    : undefined;

/**
 * One route, described once: express mounts it, the OpenAPI document is generated from it, the auth middleware
 * checks its scope with `authorize` and the tests walk the list (every route refuses a token without its scope).
 * `scope: null` marks a public route (health, metrics, the document, JWKS, sign-in and refresh). `params`, `query`
 * and a JSON `body` are validated by the mount; a route without a `query` schema refuses every query parameter.
 */
export interface RouteSpec<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends QuerySchema | undefined = QuerySchema | undefined,
  B extends BodySpec | undefined = BodySpec | undefined,
> {
  method: HttpMethod;
  /** Express path, e.g. `/api/v1/sites/:siteId`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope | null;
  params?: P;
  query?: Q;
  body?: B;
  response: ResponseSpec;
  /** Error codes this route can answer with besides the common ones. */
  errors?: readonly number[];
  handler: (ctx: RouteContext<Infer<P>, Infer<Q>, BodyOf<B>>) => Promise<RouteResult> | RouteResult;
}

/**
 * A route of any shape. Each was type-checked where defineRoute was called; the mount validates what it passes in
 * with the route's own schemas.
 */
export type AnyRoute = Omit<RouteSpec, "handler"> & {
  handler: (ctx: RouteContext<never, never, never>) => Promise<RouteResult> | RouteResult;
};

export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends QuerySchema | undefined = undefined,
  B extends BodySpec | undefined = undefined,
>(route: RouteSpec<P, Q, B>): AnyRoute {
  return route;
}

export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}
