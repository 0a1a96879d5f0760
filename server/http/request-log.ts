// The request log (pino): one line per answer, with what is safe to keep. Never headers
// (Authorization carries the key) and never an end-user id: the path is logged as the operation
// the validator matched, with only the parameters whose values cannot be personal data. A path
// that matched no operation keeps only the spec's own words (api, v1, jobs, users).
//
// Why not a pattern on the raw URL: the userId can hide in any spelling of a path (`/USERS/…`,
// `/users//…`, an unknown query parameter), and a pattern has to foresee them all; the matched
// route names the userId wherever it was.
//
// pino directly rather than pino-http: the line is the one pino-http wrote with this
// configuration (req id and method, status, responseTime, path), without its child logger and
// serializers per request (bench/README.md measures both).
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, Response } from "express";
import type { Level, Logger } from "pino";
import { operationKey, operationParameters, rawPathValues, splitTarget, type SpecParameter } from "./spec.js";

/** String parameters whose values are not personal data (a project key names a customer's project). */
const LOGGABLE_STRINGS = new Set(["projectKey"]);

/** A caller's X-Request-Id is kept when it looks like one, so logs can be correlated. */
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The request as express-openapi-validator leaves it. */
type MatchedRequest = IncomingMessage & { originalUrl?: string; openapi?: { openApiRoute?: string } };

/**
 * Gives every request its id (res.locals.requestId, and the X-Request-Id answer header) and logs
 * one line when its answer is done (or its connection closed first).
 */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = Date.now();
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader("X-Request-Id", id);
    res.once("close", () => {
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

/** The request's path (and query) as they may be logged (see the top of this file). */
export function loggedPath(req: MatchedRequest, options: { query?: boolean } = {}): string {
  const target = splitTarget(req.originalUrl ?? req.url ?? "");
  const query = options.query === false ? "" : target.query;
  const route = req.openapi?.openApiRoute;
  const parameters = route === undefined ? undefined : operationParameters().get(operationKey(req.method ?? "", route));
  const values = route === undefined ? undefined : rawPathValues(route, target.path);
  if (route === undefined || parameters === undefined || values === undefined) {
    const shown = target.path.split("/").map((segment) => (segment === "" || specWords().has(segment) ? segment : "[…]"));
    return shown.join("/") + (query ? "?[…]" : "");
  }
  const shownPath = route.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const parameter = parameters.find((p) => p.in === "path" && p.name === name);
    const raw = values.get(name)!;
    const value = decoded(raw);
    return parameter !== undefined && value !== undefined && loggable(parameter, value) ? raw : `[${name}]`;
  });
  if (query === "") return shownPath;
  const shownQuery = [...new URLSearchParams(query)]
    .map(([name, value]) => {
      const parameter = parameters.find((p) => p.in === "query" && p.name === name);
      if (parameter === undefined) return "[…]";
      return `${name}=${loggable(parameter, value) ? encodeURIComponent(value) : "[…]"}`;
    })
    .join("&");
  return `${shownPath}?${shownQuery}`;
}

/** Only values that cannot be personal data: integers, members of an enum, the allowed strings. */
function loggable(parameter: SpecParameter, value: string): boolean {
  const { schema } = parameter;
  if (schema.type === "integer") return /^(0|[1-9][0-9]{0,15})$/.test(value);
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (LOGGABLE_STRINGS.has(parameter.name) && schema.pattern !== undefined)
    return value.length <= 64 && patternOf(schema.pattern).test(value);
  return false;
}

const patterns = new Map<string, RegExp>();
/** The spec's patterns, compiled once each (a handful). */
function patternOf(pattern: string): RegExp {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) patterns.set(pattern, (compiled = new RegExp(pattern, "u")));
  return compiled;
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

let words: Set<string> | undefined;
/** The literal segments of the spec's paths ("api", "v1", "jobs", "users"). */
function specWords(): Set<string> {
  if (words === undefined) {
    words = new Set();
    for (const key of operationParameters().keys()) {
      for (const segment of key.split(" ")[1]!.split("/")) if (segment !== "" && !segment.startsWith("{")) words.add(segment);
    }
  }
  return words;
}
