import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";

import { ERROR_CODES } from "@desksharing/protocol";

import type { CloudConfig } from "../config.js";
import { IMAGE_TYPES } from "../domain/image.js";
import { authorize, type Principal } from "../identity/scopes.js";
import { bearerToken, type Authenticator } from "./auth.js";
import { ApiError, validationError } from "./errors.js";
import type { AnyRoute, RouteResult } from "./route.js";

const EMPTY = z.strictObject({});

export interface MountOptions {
  authenticator: Authenticator;
  limits: CloudConfig["limits"];
  now: () => Date;
}

type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** Continues with the next handler once `fn` resolved; a rejection goes to the error middleware. */
function middleware(fn: AsyncHandler): RequestHandler {
  return (req, res, next: NextFunction) => {
    fn(req, res).then(() => next(), next);
  };
}

/** Ends the chain: `fn` answers the request; a rejection goes to the error middleware. */
function terminal(fn: AsyncHandler): RequestHandler {
  return (req, res, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}

function authenticate(route: AnyRoute, options: MountOptions): RequestHandler {
  const scope = route.scope;
  return middleware(async (req, res) => {
    if (scope === null) return;
    const token = bearerToken(req.get("authorization"));
    if (token === undefined) throw new ApiError(ERROR_CODES.UNAUTHENTICATED, "a bearer token is required");
    const principal = await options.authenticator.authenticate(token, options.now());
    if (!principal) throw new ApiError(ERROR_CODES.UNAUTHENTICATED, "the token is invalid, expired or revoked");
    if (!authorize(principal, { scopes: [scope] }).ok) {
      throw new ApiError(ERROR_CODES.FORBIDDEN, `this operation needs the '${scope}' scope`);
    }
    res.locals.principal = principal;
  });
}

function bodyParsers(route: AnyRoute, options: MountOptions): RequestHandler[] {
  const body = route.body;
  if (body === undefined) return [];
  if (body.kind === "image") {
    return [
      (req, _res, next) => {
        const type = req.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
        if (!(IMAGE_TYPES as readonly string[]).includes(type)) {
          next(new ApiError(ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, `images must be one of ${IMAGE_TYPES.join(", ")}`));
          return;
        }
        next();
      },
      express.raw({ type: () => true, limit: options.limits.imageBytes }),
    ];
  }
  const limit = body.limit === "floorPlan" ? options.limits.floorPlanBytes : options.limits.jsonBytes;
  return [
    (req, _res, next) => {
      if (!req.is("application/json")) {
        next(new ApiError(ERROR_CODES.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json"));
        return;
      }
      next();
    },
    express.json({ limit, strict: false, type: () => true }),
  ];
}

function parse(schema: z.ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

function send(res: Response, result: RouteResult): void {
  res.status(result.status);
  if (result.headers) res.set(result.headers);
  if ("empty" in result) res.end();
  else if ("body" in result) res.json(result.body);
  else if ("binary" in result) res.type(result.contentType).send(Buffer.from(result.binary));
  else res.type(result.contentType).send(result.text);
}

export function mountRoutes(app: Express, routes: readonly AnyRoute[], options: MountOptions): void {
  for (const route of routes) {
    // Strict whatever the route wrote: an unknown or misspelt parameter is refused, never silently ignored.
    const query = route.query?.strict() ?? EMPTY;
    const run = terminal(async (req, res) => {
      let body: unknown;
      if (route.body?.kind === "json") body = parse(route.body.schema, req.body, "body");
      else if (route.body?.kind === "image") {
        if (!Buffer.isBuffer(req.body)) throw new ApiError(ERROR_CODES.BAD_REQUEST, "the image body is missing");
        body = req.body;
      }
      const result = await route.handler({
        principal: res.locals.principal as Principal,
        params: parse(route.params ?? EMPTY, { ...req.params }, "params") as never,
        query: parse(query, { ...(req.query as object) }, "query") as never,
        body: body as never,
        now: options.now(),
        client: { address: req.socket.remoteAddress ?? "unknown" },
      });
      send(res, result);
    });
    const tagRoute: RequestHandler = (_req, res, next) => {
      res.locals.route = route.path;
      next();
    };
    app[route.method](route.path, tagRoute, authenticate(route, options), ...bodyParsers(route, options), run);
  }
}
