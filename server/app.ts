// Builds the Express app: logging, CORS, limits, express-openapi-validator (requests,
// responses, security), the routers and the one error handler. No business logic here.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import express, { type ErrorRequestHandler, type Request, type Response, type NextFunction } from "express";
import cors from "cors";
import { rateLimit } from "express-rate-limit";
import * as OpenApiValidator from "express-openapi-validator";
import { pinoHttp } from "pino-http";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Store } from "./store/types.js";
import { apiKeySecurityHandler, type Tenant } from "./auth.js";
import { HttpProblem, PROBLEM_CONTENT_TYPE, kindForStatus, problemBody } from "./problems.js";
import { jobsRouter } from "./routes/jobs.js";
import { usersRouter } from "./routes/users.js";

export const SPEC_PATH = fileURLToPath(new URL("../openapi.yaml", import.meta.url));

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
}

export function createApp(deps: AppDeps): express.Express {
  const { store, config, logger } = deps;
  const clock = deps.clock ?? Date.now;
  const app = express();
  app.set("etag", false); // JSON API answers change with every job update; ETags cost ~10%.
  app.set("x-powered-by", false);
  app.set("query parser", "simple");

  app.use(requestLogger(logger));
  if (config.corsOrigins.length > 0) app.use(corsMiddleware(config.corsOrigins));
  app.use(refuseLongUrls);
  app.use(
    OpenApiValidator.middleware({
      apiSpec: SPEC_PATH,
      validateApiSpec: false, // linted in CI; skipping saves start-up time
      validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true },
      validateResponses: config.validateResponses,
      validateSecurity: { handlers: { ApiKey: apiKeySecurityHandler(store) } },
      ignoreUndocumented: false,
    }),
  );
  // Reads (and so bounds) any request body; no operation uses one, but an unbounded one must not
  // be accepted. After the validator, so a 413 is an answer of the matched operation.
  app.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));
  if (config.rateLimit > 0) app.use(perKeyRateLimit(config));

  app.use(jobsRouter({ store, clock }));
  app.use(usersRouter({ store, clock, startDelay: config.startDelay }));

  app.use(problemHandler(logger));
  return app;
}

function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    // Accept a caller's X-Request-Id when it looks like one, so logs can be correlated.
    genReqId: (req, res) => {
      const incoming = req.headers["x-request-id"];
      const id = typeof incoming === "string" && /^[\w.:-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader("X-Request-Id", id);
      return id;
    },
    // Only what is safe: never headers (Authorization carries the key), and no end-user ids.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUserId(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : "info"),
  });
}

/** /api/v1/KEY/users/<userId> → /api/v1/KEY/users/[userId]: the userId is personal data. */
export function redactUserId(url: string): string {
  return url.replace(/(\/users\/)[^/?#]*/, "$1[userId]");
}

function corsMiddleware(origins: string[]) {
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    methods: ["GET", "DELETE"],
    allowedHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
    exposedHeaders: ["Link", "Retry-After", "X-Request-Id"],
    maxAge: 600,
  });
}

function refuseLongUrls(req: Request, _res: Response, next: NextFunction): void {
  if (req.url.length > MAX_URL_LENGTH) {
    next(new HttpProblem(414, "uri-too-long", `The request target is longer than ${MAX_URL_LENGTH} characters.`));
    return;
  }
  next();
}

function perKeyRateLimit(config: Config) {
  return rateLimit({
    windowMs: config.rateLimitWindowMs,
    limit: config.rateLimit,
    standardHeaders: false,
    legacyHeaders: false,
    // Counted per organization (= per key): runs after authentication, so every request here has one.
    keyGenerator: (_req, res) => String((res.locals.tenant as Tenant).organization.organizationId),
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

/** The one error handler: every error becomes an RFC 9457 problem answer. */
function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = String(req.id ?? "");
    const instance = redactUserId(req.originalUrl.split("?")[0] ?? "");
    let status: number;
    let detail: string;
    let headers: Record<string, string> = {};
    let kind;
    if (error instanceof HttpProblem) {
      ({ status, detail, headers, kind } = error);
    } else {
      const e = (error ?? {}) as ValidatorError;
      status = e.status ?? e.statusCode ?? 500;
      if (!(status >= 400 && status <= 599)) status = 500;
      kind = kindForStatus(status);
      headers = e.headers ?? {};
      if (status >= 500) {
        detail = "An unexpected error occurred; quote the requestId when you report it.";
      } else if (e.type === "entity.too.large") {
        detail = `The request body is larger than ${MAX_BODY_BYTES} bytes; no operation takes a body.`;
      } else if (status === 404 && e.errors !== undefined) {
        detail = emptyUserIdPath(req.path) ? "userId must not be empty." : `No operation at ${req.method} ${instance}.`;
        if (emptyUserIdPath(req.path)) (status = 400), (kind = kindForStatus(400));
      } else if (e.errors !== undefined && e.errors.length > 0) {
        detail = e.errors.map((item) => `${(item.path ?? "").replace(/^\./, "").replace(/\./g, "/")} ${item.message ?? ""}`.trim()).join("; ");
      } else if (error instanceof URIError) {
        detail = "The request path is not valid percent-encoding.";
      } else {
        detail = e.message ?? "The request is not valid.";
      }
    }
    if (status >= 500) logger.error({ err: error, reqId: requestId }, "unexpected error");
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).type(PROBLEM_CONTENT_TYPE);
    const body = problemBody(status, kind, detail, { instance, requestId });
    // Declared answers go through res.json (so the response validator checks them too); a
    // failed response validation is answered raw, or it would be validated again.
    if (status === 500) res.send(JSON.stringify(body));
    else res.json(body);
  };
}

/** `DELETE /api/v1/KEY/users/` has an empty userId, which the reference answers with 400. */
function emptyUserIdPath(path: string): boolean {
  return /^\/api\/v1\/[^/]+\/users\/?$/.test(path);
}
