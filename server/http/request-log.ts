// The request log (pino): one line per answer, with what is safe to keep. Never headers
// (Authorization carries the key) and never an end-user id: the path is logged as the contract
// core shows it (client/contract/logged-path.ts), with only the parameters whose values cannot be
// personal data.
//
// pino directly rather than pino-http: the line is the one pino-http wrote with this
// configuration (req id and method, status, responseTime, path), without its child logger and
// serializers per request (bench/README.md measures both).
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Level, Logger } from "pino";
import { requestIdFor, shownPath } from "../../client/contract/index.js";

type MatchedRequest = IncomingMessage & { originalUrl?: string };

/**
 * Gives every request its id (res.locals.requestId, and the X-Request-Id answer header) and logs
 * one line when its answer is done (or its connection closed first).
 */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = Date.now();
    const incoming = req.headers["x-request-id"];
    // A caller's X-Request-Id is kept when it has the spec's form, so logs can be correlated.
    const id = requestIdFor(typeof incoming === "string" ? incoming : undefined);
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    // "close" comes once per answer (sent, or its connection gone first): on, not once.
    res.on("close", () => {
      const { statusCode } = res;
      logger[levelFor(statusCode)](
        { req: { id, method: req.method }, res: { statusCode }, responseTime: Date.now() - started, path: loggedPath(req) },
        "request completed",
      );
    });
    next();
  };
}

/**
 * 501 is cancelJob's documented answer for a job that has ended, not a server failure; 503 (the
 * database is busy or unavailable) is documented too, and worth a warning. A real error is logged
 * by the error handler, with its stack, once.
 */
const levelFor = (status: number): Level => (status === 501 ? "info" : status === 503 ? "warn" : status >= 500 ? "error" : "info");

/** The request's path (and query) as they may be logged: the contract core's shownPath. */
export function loggedPath(req: MatchedRequest, options: { query?: boolean } = {}): string {
  return shownPath(req.method ?? "", req.originalUrl ?? req.url ?? "", options);
}
