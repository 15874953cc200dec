import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  middleware: RequestHandler;
}

/** Counts and latencies by route template (never the raw URL: ids would explode the label set and identify people). */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "desk_cloud_" });
  const requests = new Counter({
    name: "desk_cloud_http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "desk_cloud_http_request_duration_seconds",
    help: "HTTP request latency by method, route template and status",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const stop = latency.startTimer();
    res.on("finish", () => {
      const labels = {
        method: req.method,
        route: typeof res.locals.route === "string" ? res.locals.route : "unmatched",
        status: String(res.statusCode),
      };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };
  return { registry, middleware };
}
