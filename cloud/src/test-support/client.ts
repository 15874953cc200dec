import { request } from "node:https";

import { ErrorBody } from "@desksharing/protocol";

import type { AnyRoute, HttpMethod } from "../http/route.js";

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: Buffer;
  /** Parsed JSON when the response is JSON. */
  json: unknown;
}

export interface RequestOptions {
  token?: string | null;
  json?: unknown;
  /** Raw body with its content type (images, broken JSON). */
  body?: { data: Buffer | string; contentType: string };
  headers?: Record<string, string>;
  /** Source address of the connection (any of 127.0.0.0/8 works on loopback), to act as several clients. */
  localAddress?: string;
}

function matchRoute(routes: readonly AnyRoute[], method: string, pathname: string): AnyRoute | undefined {
  return routes.find((route) => {
    if (route.method !== method.toLowerCase()) return false;
    const pattern = new RegExp(`^${route.path.replace(/:[A-Za-z0-9_]+/g, "[^/]+")}$`);
    return pattern.test(pathname);
  });
}

export class SchemaMismatchError extends Error {
  override name = "SchemaMismatchError";
}

/**
 * Checks a response against what the route documents: its success schema, or the error body for any other
 * status. Every request the tests make goes through this.
 */
export function checkResponse(routes: readonly AnyRoute[], method: string, url: string, response: ApiResponse): void {
  const route = matchRoute(routes, method, new URL(url, "https://x").pathname);
  const isJson = String(response.headers["content-type"] ?? "").startsWith("application/json");
  if (!route || response.status !== route.response.status) {
    if (response.status >= 400) {
      if (!isJson) throw new SchemaMismatchError(`${method} ${url}: error ${response.status} is not JSON`);
      const parsed = ErrorBody.safeParse(response.json);
      if (!parsed.success) throw new SchemaMismatchError(`${method} ${url}: bad error body ${response.text}`);
      return;
    }
    if (!route) throw new SchemaMismatchError(`${method} ${url}: no route documents this answer`);
    throw new SchemaMismatchError(`${method} ${url}: undocumented status ${response.status}`);
  }
  const spec = route.response;
  switch (spec.kind) {
    case "json": {
      const parsed = spec.schema.safeParse(response.json);
      if (!isJson || !parsed.success) {
        throw new SchemaMismatchError(
          `${method} ${url}: body does not match ${route.operationId}: ${response.text.slice(0, 500)}`,
        );
      }
      return;
    }
    case "binary":
      if (!(spec.contentTypes as readonly string[]).includes(String(response.headers["content-type"]))) {
        throw new SchemaMismatchError(
          `${method} ${url}: unexpected content type ${String(response.headers["content-type"])}`,
        );
      }
      return;
    case "empty":
      if (response.bytes.length !== 0) throw new SchemaMismatchError(`${method} ${url}: 204 with a body`);
      return;
    case "text":
      if (!String(response.headers["content-type"]).startsWith(spec.contentType)) {
        throw new SchemaMismatchError(`${method} ${url}: unexpected content type`);
      }
      return;
  }
}

/** A real HTTPS client that trusts the cloud's certificate and validates every answer against the routes. */
export class ApiClient {
  /** Count of validated responses, so a suite can prove it checked what it received. */
  checked = 0;

  constructor(
    readonly baseUrl: string,
    private readonly ca: string,
    private readonly routes: readonly AnyRoute[],
    readonly token: string | null = null,
  ) {}

  as(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, this.ca, this.routes, token);
  }

  async request(
    method: HttpMethod | Uppercase<HttpMethod>,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse> {
    const response = await this.raw(method.toUpperCase(), path, options);
    checkResponse(this.routes, method, path, response);
    this.checked += 1;
    return response;
  }

  get(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request("GET", path, options);
  }
  post(path: string, json?: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request("POST", path, { ...(json === undefined ? {} : { json }), ...options });
  }
  put(path: string, json: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request("PUT", path, { json, ...options });
  }
  patch(path: string, json: unknown, options?: RequestOptions): Promise<ApiResponse> {
    return this.request("PATCH", path, { json, ...options });
  }

  raw(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let payload: Buffer | undefined;
    if (options.json !== undefined) {
      payload = Buffer.from(JSON.stringify(options.json));
      headers["content-type"] = "application/json";
    } else if (options.body !== undefined) {
      payload = Buffer.from(options.body.data);
      headers["content-type"] = options.body.contentType;
    }
    if (payload !== undefined) headers["content-length"] = String(payload.length);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.baseUrl),
        {
          method,
          headers,
          ca: this.ca,
          agent: false,
          ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const bytes = Buffer.concat(chunks);
            const text = bytes.toString("utf8");
            const isJson = String(res.headers["content-type"] ?? "").startsWith("application/json");
            let json: unknown;
            if (isJson) json = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes, json });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }
}
