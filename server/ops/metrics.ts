// Prometheus metrics (prom-client): one registry per server instance, never prom-client's global
// default registry, so several servers in one process (the tests) each count their own.
// Every metric is listed in docs/operations.md. Labels are bounded: an operationId of the spec
// (or "unmatched", or one of the operational endpoints), an HTTP status, a job status.
import { performance } from "node:perf_hooks";
import type { Request, Response, NextFunction } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Store } from "../store/types.js";

export const METRICS_PATH = "/metrics";

/** What express-openapi-validator leaves on a request it matched to an operation. */
type OpenApiRequest = Request & { openapi?: { schema?: { operationId?: string } } };

export interface Metrics {
  registry: Registry;
  /** Answers by operation and status: requestDuration's count, read when scraped. */
  requests: Counter<"operation" | "status">;
  requestDuration: Histogram<"operation" | "status">;
  jobTransitions: Counter<"status">;
  sessionsDeleted: Counter;
  batchDuration: Histogram;
  leaseTakeovers: Counter;
  /** The exposition text (prom-client's text format 0.0.4). */
  scrape(): Promise<string>;
}

const REQUEST_DURATION = "jobs_api_http_request_duration_seconds";

export function createMetrics(options: { store: Store }): Metrics {
  const { store } = options;
  const registry = new Registry();
  // The count of answers is the histogram's own count, read at scrape time: one metric updated
  // per request instead of two.
  const requests = new Counter({
    name: "jobs_api_http_requests_total",
    help: 'HTTP requests answered, by operationId ("unmatched" when none) and status code.',
    labelNames: ["operation", "status"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { metricName, labels, value } of (await requestDuration.get()).values) {
        if (metricName === `${REQUEST_DURATION}_count`) this.inc(labels as { operation: string; status: string }, value);
      }
    },
  });
  const requestDuration = new Histogram({
    name: REQUEST_DURATION,
    help: "Time from a request's arrival to the end of its answer, by operationId and status code.",
    labelNames: ["operation", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const jobTransitions = new Counter({
    name: "jobs_api_job_transitions_total",
    help: "Jobs this process moved into a status: scheduled (created), running (claimed), completed, failed, cancelled.",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  const sessionsDeleted = new Counter({
    name: "jobs_api_sessions_deleted_total",
    help: "Sessions deleted by this process's runner.",
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: "jobs_api_runner_batch_duration_seconds",
    help: "Duration of one deletion batch (one transaction: lease renewal and up to JOBS_BATCH_SIZE deletions).",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const leaseTakeovers = new Counter({
    name: "jobs_api_lease_takeovers_total",
    help: "Claims of a running job whose lease had expired (its process died, or handed it back on shutdown).",
    registers: [registry],
  });
  new Gauge({
    name: "jobs_api_db_pool_connections",
    help: "PostgreSQL connection pool: total, idle and waiting (requests queued for a connection). Not reported on SQLite.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const pool = store.poolStats();
      if (pool === undefined) return;
      this.set({ state: "total" }, pool.total);
      this.set({ state: "idle" }, pool.idle);
      this.set({ state: "waiting" }, pool.waiting);
    },
  });
  new Gauge({
    name: "jobs_api_db_info",
    help: "Always 1; the dialect label says which database this process uses (sqlite or postgres).",
    labelNames: ["dialect"] as const,
    registers: [registry],
  }).set({ dialect: store.dialect }, 1);

  // Node's own metrics (CPU, memory, event-loop lag, GC) start at the first scrape: each set
  // starts monitors that are never stopped, which a process running many servers (the tests)
  // should not pay for unless someone scrapes.
  let defaults = false;
  const scrape = () => {
    if (!defaults) {
      collectDefaultMetrics({ register: registry });
      defaults = true;
    }
    return registry.metrics();
  };

  return { registry, requests, requestDuration, jobTransitions, sessionsDeleted, batchDuration, leaseTakeovers, scrape };
}

/**
 * Counts every answer when its connection is done with it. The operation is the spec's
 * operationId (set by the validator), an operational endpoint's name (res.locals.operation), or
 * "unmatched": never the raw path, which would make one time series per URL.
 */
export function requestMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on("close", () => {
      const operation = res.locals.operation ?? (req as OpenApiRequest).openapi?.schema?.operationId ?? "unmatched";
      const status = res.writableFinished ? String(res.statusCode) : "aborted";
      metrics.requestDuration.observe({ operation, status }, (performance.now() - started) / 1000);
    });
    next();
  };
}

/**
 * The store, seen by the metrics: job transitions, deleted sessions, batch durations and lease
 * takeovers are counted where they happen (the handlers and the runner call the store), so
 * neither has to know about metrics. Every other method is the store's own.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const observed: Partial<Store> = {
    async scheduleUserDeletion(...args) {
      const result = await store.scheduleUserDeletion(...args);
      if (result.created) metrics.jobTransitions.inc({ status: "scheduled" });
      return result;
    },
    async cancelJob(...args) {
      const result = await store.cancelJob(...args);
      if (result.outcome === "cancelled") metrics.jobTransitions.inc({ status: "cancelled" });
      return result;
    },
    async claimDueJob(...args) {
      const claim = await store.claimDueJob(...args);
      if (claim !== undefined) {
        metrics.jobTransitions.inc({ status: "running" });
        // attempt counts claims: a second one means the job was running under an expired lease.
        if (claim.attempt > 1) metrics.leaseTakeovers.inc();
      }
      return claim;
    },
    async deleteSessionsBatch(...args) {
      const end = metrics.batchDuration.startTimer();
      const result = await store.deleteSessionsBatch(...args);
      end();
      metrics.sessionsDeleted.inc(result.deleted);
      return result;
    },
    async finishJob(claim, outcome, now) {
      const finished = await store.finishJob(claim, outcome, now);
      if (finished) metrics.jobTransitions.inc({ status: outcome.status });
      return finished;
    },
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(observed, property)) return observed[property as keyof Store];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      let method = bound.get(property);
      if (method === undefined) bound.set(property, (method = value.bind(target)));
      return method;
    },
  });
}
