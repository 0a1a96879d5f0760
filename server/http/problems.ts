// Every error answer, in one place: RFC 9457 problem bodies (application/problem+json) with
// `errors: [detail]` for clients of the upstream v1 format. Handlers throw HttpProblem; the
// error handler in app.ts turns anything thrown (ours, the validator's, an unexpected one) into
// one of these.
import { randomUUID } from "node:crypto";
import type { components } from "../../generated/schema.js";

export type Problem = components["schemas"]["Problem"];

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/**
 * Stable problem types, as listed in openapi.yaml (Problem.type's description);
 * test/server/spec-constants.test.ts proves the two lists equal.
 */
export const PROBLEM_KINDS = [
  "bad-request",
  "unauthorized",
  "not-found",
  "method-not-allowed",
  "job-not-cancellable",
  "content-too-large",
  "uri-too-long",
  "header-too-large",
  "request-timeout",
  "unsupported-media-type",
  "rate-limited",
  "unavailable",
  "internal",
] as const;

export type ProblemKind = (typeof PROBLEM_KINDS)[number];

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
};

/** Upstream v1's words for any bad key (missing, malformed, unknown): its clients compare them. */
export const INVALID_API_KEY_DETAIL = "Invalid API Key";
/** A transient database condition (503, with Retry-After: 1). */
export const DATABASE_UNAVAILABLE_DETAIL = "The database is busy or unavailable; retry in a moment.";
/** The rate limiter's 429. */
export function rateLimitedDetail(seconds: number): string {
  return `Too many requests for this API key; retry in ${seconds} seconds.`;
}

export class HttpProblem extends Error {
  override name = "HttpProblem";
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export function problemBody(
  status: number,
  kind: ProblemKind,
  detail: string,
  extra: { instance?: string; requestId?: string } = {},
): Problem {
  return {
    type: `urn:problem:jobs-api:${kind}`,
    title: TITLES[status] ?? "Error",
    status,
    detail,
    errors: [detail],
    ...(extra.instance !== undefined && { instance: extra.instance }),
    ...(extra.requestId !== undefined && { requestId: extra.requestId }),
  };
}

export function kindForStatus(status: number): ProblemKind {
  switch (status) {
    case 401:
      return "unauthorized";
    case 404:
      return "not-found";
    case 405:
      return "method-not-allowed";
    case 408:
      return "request-timeout";
    case 413:
      return "content-too-large";
    case 414:
      return "uri-too-long";
    case 415:
      return "unsupported-media-type";
    case 429:
      return "rate-limited";
    case 431:
      return "header-too-large";
    case 501:
      return "job-not-cancellable";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "bad-request";
  }
}

/**
 * A complete raw HTTP/1.1 response, for errors Node's parser raises before Express sees the
 * request (header overflow, timeouts, malformed requests): the socket gets a problem body too.
 */
export function rawProblemResponse(status: number, detail: string, requestId: string = randomUUID()): string {
  const body = JSON.stringify(problemBody(status, kindForStatus(status), detail, { requestId }));
  return (
    `HTTP/1.1 ${status} ${TITLES[status] ?? "Bad Request"}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `X-Request-Id: ${requestId}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}
