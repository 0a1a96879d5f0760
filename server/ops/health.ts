// Liveness and readiness, for load balancers and orchestrators. Not part of the public contract
// (openapi.yaml is the Jobs API its consumers call): these are operational endpoints, outside
// /api/v1, mounted before the OpenAPI validator, and documented in docs/operations.md.
//
//   GET /healthz  200 {"status":"ok"} while the process answers at all (liveness: restart me if not).
//   GET /readyz   200 {"status":"ok"} when the database answers and has every migration, and the
//                 process is not shutting down; 503 problem otherwise (readiness: send me traffic).
import express, { type Request, type Response, type NextFunction } from "express";
import type { Logger } from "pino";
import type { Store } from "../store/types.js";
import { PROBLEM_CONTENT_TYPE, problemBody } from "../http/problems.js";
import { requestIdFor } from "../../client/contract/index.js";

/** The readiness check waits this long for the database, then answers 503. */
export const READINESS_TIMEOUT_MS = 2_000;

/** Whether this process is on its way out (SIGTERM): /readyz then answers 503 so traffic drains away. */
export interface Lifecycle {
  readonly shuttingDown: boolean;
  beginShutdown(): void;
}

export function createLifecycle(): Lifecycle {
  let shuttingDown = false;
  return {
    get shuttingDown() {
      return shuttingDown;
    },
    beginShutdown() {
      shuttingDown = true;
    },
  };
}

export const HEALTH_PATHS = { liveness: "/healthz", readiness: "/readyz" } as const;

/**
 * Adds /healthz and /readyz to the app, as two of its own routes rather than a router of their
 * own: every API request passes them, and a mounted router costs each request its dispatch
 * (bench/README.md). The app's routing is case sensitive and strict, as the API's own paths:
 * /HEALTHZ and /healthz/ are no endpoint.
 */
export function addHealthRoutes(app: express.Express, deps: { store: Store; lifecycle: Lifecycle; logger: Logger }): void {
  const { store, lifecycle, logger } = deps;
  if (!app.enabled("case sensitive routing") || !app.enabled("strict routing"))
    throw new Error("health routes need strict, case-sensitive routing");
  const ok = (res: Response) => res.status(200).json({ status: "ok" });

  app.all(HEALTH_PATHS.liveness, withRequestId, onlyGet, (_req, res) => {
    res.locals.operation = "healthz";
    ok(res);
  });

  app.all(HEALTH_PATHS.readiness, withRequestId, onlyGet, async (req, res) => {
    res.locals.operation = "readyz";
    if (lifecycle.shuttingDown) return unavailable(req, res, "The server is shutting down.");
    const check = await withTimeout(
      store.readiness().catch((error: unknown) => {
        logger.warn({ err: error }, "readiness: the database check failed");
        return { ready: false as const, reason: "The database is not reachable." };
      }),
      READINESS_TIMEOUT_MS,
    );
    if (check === undefined) {
      logger.warn("readiness: the database did not answer in time");
      return unavailable(req, res, `The database did not answer within ${READINESS_TIMEOUT_MS} ms.`);
    }
    if (!check.ready) {
      logger.warn({ reason: check.reason }, "readiness: not ready");
      return unavailable(req, res, check.reason);
    }
    ok(res);
  });
}

/**
 * While shutting down, every answer asks the client to close its connection, so keep-alive
 * clients reconnect (to another process) instead of reusing this one until it closes.
 */
export function closeConnectionsWhileDraining(lifecycle: Lifecycle) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (lifecycle.shuttingDown) res.setHeader("Connection", "close");
    next();
  };
}

// Answered here, not by the app's error handler: these routes come before the request logger
// and the validator, and their answers must not depend on either. Every answer carries an
// X-Request-Id, as the API's do (the request logger, which sets it there, comes later).
function withRequestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers["x-request-id"];
  res.locals.requestId = requestIdFor(typeof incoming === "string" ? incoming : undefined);
  res.setHeader("X-Request-Id", res.locals.requestId);
  next();
}

function onlyGet(req: Request, res: Response, next: NextFunction): void {
  if (req.method === "GET" || req.method === "HEAD") return next();
  res.setHeader("Allow", "GET, HEAD");
  problem(req, res, 405, "method-not-allowed", `${req.method} is not allowed on ${req.path}; use GET.`);
}

function unavailable(req: Request, res: Response, detail: string): void {
  problem(req, res, 503, "unavailable", detail);
}

function problem(req: Request, res: Response, status: 405 | 503, kind: "method-not-allowed" | "unavailable", detail: string): void {
  const body = problemBody(status, detail, { kind, instance: req.path, requestId: res.locals.requestId as string });
  res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The promise's value, or undefined when it has not settled within ms (it is then ignored). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
