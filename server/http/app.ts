// Builds the Express app: logging, CORS, limits, express-openapi-validator (requests,
// responses, security), the routers and the one error handler. No business logic here.
import { fileURLToPath } from "node:url";
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type NextFunction } from "express";
import { rateLimit, type Store as RateLimitStore } from "express-rate-limit";
import * as OpenApiValidator from "express-openapi-validator";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Organization, Store } from "../store/types.js";
import { StoreError, transientFailure } from "../store/errors.js";
import { apiKeySecurityHandler } from "./auth.js";
import {
  HttpProblem,
  PROBLEM_CONTENT_TYPE,
  WWW_AUTHENTICATE,
  kindForStatus,
  problemBody,
  problemWords,
  type ProblemKind,
} from "./problems.js";
import { jobsRouter } from "./routes/jobs.js";
import { testModeAnswers } from "./test-mode.js";
import { usersRouter } from "./routes/users.js";
import { addHealthRoutes, closeConnectionsWhileDraining, createLifecycle, type Lifecycle } from "../ops/health.js";
import { requestMetrics, type Metrics } from "../ops/metrics.js";
import { rateLimitStoreFor } from "./rate-limit-store.js";
import { corsMiddleware } from "./cors.js";
import { noOperation, requestLine, requireLoopbackHost, requireTenant } from "./request-target.js";
import { loggedPath, requestLogger } from "./request-log.js";
import { applyPathRules, checkParameters, parameterWords } from "./parameters.js";

export const SPEC_PATH = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));

/** No operation takes a body; anything larger than this is refused with 413. */
export const MAX_BODY_BYTES = 1024;
/** Longest request target (path and query) accepted; longer ones answer 414. */
export const MAX_URL_LENGTH = 8192;

export interface AppDeps {
  store: Store;
  config: Config;
  logger: Logger;
  /** Epoch milliseconds; injectable for tests. */
  clock?: () => number;
  /** The sandbox only (startServer refuses it off loopback): every well-formed key is this organization's. */
  anyKeyAs?: Organization;
  /** Shutting down or not (/readyz); a fresh one when not given. */
  lifecycle?: Lifecycle;
  /** Prometheus metrics, counted here (served on a listener of their own: server/ops/metrics-endpoint.ts). */
  metrics?: Metrics;
  /** The sandbox only: `Prefer` simulates 401, 429, 503 and latency (server/http/test-mode.ts). */
  testMode?: boolean;
}

export function createApp(deps: AppDeps): express.Express {
  const { store, config, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const app = express();
  app.set("etag", false); // JSON API answers change with every job update; ETags cost ~10%.
  app.set("x-powered-by", false);
  app.set("query parser", "simple");
  // The spec's paths, exactly: /USERS/… or /users/x/ is no operation (the validator reads these too).
  app.set("case sensitive routing", true);
  app.set("strict routing", true);

  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  const lifecycle = deps.lifecycle ?? createLifecycle();
  app.use(closeConnectionsWhileDraining(lifecycle));
  // Operational endpoints (docs/operations.md), outside the contract: before the validator, which
  // would refuse them as undocumented, and before the request log, which probes would flood.
  addHealthRoutes(app, { store, lifecycle, logger });

  app.use(requestLogger(logger));
  app.use(requestLine);
  if (deps.anyKeyAs !== undefined) app.use(requireLoopbackHost);
  if (config.corsOrigins.length > 0) app.use(corsMiddleware(config.corsOrigins));
  app.use(refuseLongUrls);
  // Before the validator: the spec's path rules, as the stateful mocks apply them (404, 405, 400).
  app.use(applyPathRules);
  // Every request of the contract goes through the validator: express-openapi-validator 5.6.2 with
  // the project's patch (patches/, docs/performance.md), which makes its per-request path cheaper.
  app.use(
    OpenApiValidator.middleware({
      apiSpec: SPEC_PATH,
      validateApiSpec: false, // linted in CI; skipping saves start-up time
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true },
      validateResponses: config.validateResponses,
      validateSecurity: { handlers: { ApiKey: apiKeySecurityHandler(store, { anyKeyAs: deps.anyKeyAs }) } },
      ignoreUndocumented: false,
    }),
  );
  app.use(requireTenant); // nothing below runs without an authenticated tenant
  app.use(checkParameters);
  // After the validator, so a 413 is an answer of the matched operation.
  app.use(boundedBody());
  if (deps.testMode) app.use(testModeAnswers());
  if (config.rateLimit > 0) app.use(perKeyRateLimit(config, rateLimitStoreFor(store, config)));

  app.use(jobsRouter({ store, clock, validateResponses: config.validateResponses }));
  app.use(usersRouter({ store, clock, startDelay: config.startDelay }));
  app.use(noOperation);

  app.use(problemHandler(logger));
  return app;
}

/**
 * Reads (and so bounds) any request body: no operation uses one, but an unbounded one must not be
 * accepted, and no handler runs before the whole request has arrived.
 * - A body whose declared Content-Length is over the limit is refused at once, unread, and the
 *   connection closed after the answer: body-parser would first read (and throw away) all of it,
 *   so a client declaring 1 GB and sending nothing got no answer until the request timeout.
 * - Otherwise body-parser reads it (up to the limit), when there is one (RFC 9112 §6.3: a
 *   Content-Length or a Transfer-Encoding).
 * - Then req.complete, Node's own word that the parser saw the whole message: body-parser skips,
 *   as "already read", a request whose connection has closed by the time it runs (on-finished),
 *   so a body cut short (Content-Length 10 with 3 bytes, then a half-close; a broken chunk)
 *   reached its handler after the HTTP layer had answered it 400: deleteUserData created the job.
 */
function boundedBody(): RequestHandler {
  const readBody = express.raw({ type: () => true, limit: MAX_BODY_BYTES });
  const whole = (req: Request, next: NextFunction) =>
    next(req.complete ? undefined : new HttpProblem(400, "bad-request", "The request body was not received whole."));
  return (req, res, next) => {
    const length = req.headers["content-length"];
    if (Number(length) > MAX_BODY_BYTES) {
      res.setHeader("Connection", "close");
      next(Object.assign(new Error("request entity too large"), { status: 413, type: "entity.too.large" }));
      return;
    }
    if (length === undefined && req.headers["transfer-encoding"] === undefined) {
      whole(req, next);
      return;
    }
    readBody(req, res, (error?: unknown) => (error === undefined ? whole(req, next) : next(error)));
  };
}

function refuseLongUrls(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.length > MAX_URL_LENGTH) {
    next(new HttpProblem(414, "uri-too-long", `The request target is longer than ${MAX_URL_LENGTH} characters.`));
    return;
  }
  next();
}

function perKeyRateLimit(config: Config, store: RateLimitStore | undefined) {
  return rateLimit({
    // undefined: express-rate-limit's memory store (this process alone); see rate-limit-store.ts.
    store,
    windowMs: config.rateLimitWindowMs,
    limit: config.rateLimit,
    // The IETF RateLimit and RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers, as the
    // spec's components/headers declare them) on every answer of a counted request.
    standardHeaders: "draft-8",
    legacyHeaders: false,
    // Counted per organization (= per key): runs after requireTenant, so every request here has one.
    keyGenerator: (_req, res) => String(res.locals.tenant!.organization.organizationId),
    validate: false,
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + config.rateLimitWindowMs) - Date.now()) / 1000));
      next(
        new HttpProblem(429, "rate-limited", `Too many requests for this API key; retry in ${seconds} seconds.`, {
          "Retry-After": String(seconds),
        }),
      );
    },
  });
}

interface ValidatorError {
  status?: number;
  statusCode?: number;
  message?: string;
  type?: string;
  errors?: Array<{ path?: string; message?: string }>;
  headers?: Record<string, string>;
}

interface ProblemAnswer {
  status: number;
  kind: ProblemKind;
  detail: string;
  headers: Record<string, string>;
}

/** What an error means for the client: ours (HttpProblem), the validator's, body-parser's, or a bug. */
export function toProblem(error: unknown, req: Request): ProblemAnswer {
  if (error instanceof HttpProblem) return { status: error.status, kind: error.kind, detail: error.detail, headers: error.headers };
  const e = (error ?? {}) as ValidatorError;
  const given = e.status ?? e.statusCode ?? 500;
  const status = given >= 400 && given <= 599 ? given : 500;
  const answer = (detail: string, code = status): ProblemAnswer => ({
    status: code,
    kind: kindForStatus(code),
    detail,
    headers: e.headers ?? {},
  });

  // A transient database condition (the store's classification): SQLite's write lock held by
  // another process longer than busy_timeout (a large `sessions import`, say), a PostgreSQL
  // failover, a lost connection. Not a bug and not the client's fault: retry.
  if ((error instanceof StoreError && error.code === "busy") || transientFailure(error) !== undefined) {
    return {
      status: 503,
      kind: "unavailable",
      detail: problemWords.unavailable,
      headers: { "Retry-After": "1" },
    };
  }
  if (status >= 500) return answer(problemWords.internal);
  // Whatever was wrong with the key (missing, malformed, unknown), the answer is upstream v1's
  // words exactly: clients of the original API compare that string.
  if (status === 401) return { ...answer(problemWords.invalidApiKey), headers: { "WWW-Authenticate": WWW_AUTHENTICATE } };
  if (e.type === "entity.too.large") return answer(problemWords.contentTooLarge(MAX_BODY_BYTES));
  if (error instanceof URIError) return answer(problemWords.malformedPath);
  if (status === 404) return answer(problemWords.noOperation(req.method, loggedPath(req, { query: false })));
  if (status === 405) return answer(problemWords.methodNotAllowed(req.method, loggedPath(req, { query: false })));
  // A parameter the validator refused: the contract core's words, which the mocks answer too.
  const words = status === 400 ? parameterWords(req) : undefined;
  if (words !== undefined) return answer(words);
  if (e.errors && e.errors.length > 0) return answer(e.errors.map(describeValidationError).join("; "));
  return answer(e.message ?? "The request is not valid.");
}

/** express-openapi-validator's {path: "/params/jobId", message: "must be integer"} → words. */
function describeValidationError(item: { path?: string; message?: string }): string {
  const message = item.message ?? "is not valid";
  const [location, ...rest] = (item.path ?? "").replace(/^[./]/, "").split(/[./]/);
  const name = rest.join(".");
  const label = { params: "path parameter", query: "query parameter", headers: "header" }[location ?? ""];
  if (label === undefined || name === "") return `${item.path ?? ""} ${message}`.trim();
  return message.includes(`'${name}'`) ? message : `${label} ${name} ${message}`;
}

/** The one error handler: every error becomes an RFC 9457 problem answer. */
function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const { status, kind, detail, headers } = toProblem(error, req);
    const requestId = res.locals.requestId ?? "";
    // A 501 (cancelJob on a job that has ended) is a documented answer, not an unexpected error.
    if (status >= 500 && kind === "internal") logger.error({ err: error, reqId: requestId }, "unexpected error");
    // (An HttpProblem 503 is test mode's simulated one: no database trouble to report.)
    else if (kind === "unavailable" && !(error instanceof HttpProblem))
      logger.warn({ reqId: requestId, reason: transientFailure(error) }, "database busy or unavailable: answered 503");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).type(PROBLEM_CONTENT_TYPE);
    const body = problemBody(status, detail, { kind, instance: loggedPath(req, { query: false }), requestId });
    // Declared answers go through res.json, so the response validator checks them too; a 500
    // (perhaps a failed response validation) is sent raw, or it would be validated again.
    if (status >= 500) res.send(JSON.stringify(body));
    else res.json(body);
  };
}
