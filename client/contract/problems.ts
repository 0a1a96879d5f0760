// Every error answer's body and words, for the server and the mocks alike: RFC 9457 problems
// (application/problem+json) with the spec's stable `type` URIs, and `errors: [detail]` for
// clients of the upstream v1 format. One wording, so the stateful mocks answer what the server does.
import type { components } from "../../generated/schema.js";

export type Problem = components["schemas"]["Problem"];

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The Content-Type header of a JSON answer, as the server sends it (Express adds the charset). */
export const jsonContentType = (mediaType: string): string => `${mediaType}; charset=utf-8`;

/**
 * The challenge of every 401 (RFC 9110 §11.6.1 requires one). Bearer is the registered scheme the
 * server accepts; the raw key of the original documentation is no scheme a challenge could name.
 */
export const WWW_AUTHENTICATE = 'Bearer realm="jobs-api"';

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

const KINDS: Readonly<Record<number, { kind: ProblemKind; title: string }>> = {
  400: { kind: "bad-request", title: "Bad Request" },
  401: { kind: "unauthorized", title: "Unauthorized" },
  404: { kind: "not-found", title: "Not Found" },
  405: { kind: "method-not-allowed", title: "Method Not Allowed" },
  408: { kind: "request-timeout", title: "Request Timeout" },
  413: { kind: "content-too-large", title: "Content Too Large" },
  414: { kind: "uri-too-long", title: "URI Too Long" },
  415: { kind: "unsupported-media-type", title: "Unsupported Media Type" },
  // The sandbox's answer to a Host that is not a loopback name (server/http/request-target.ts).
  421: { kind: "bad-request", title: "Misdirected Request" },
  429: { kind: "rate-limited", title: "Too Many Requests" },
  431: { kind: "header-too-large", title: "Request Header Fields Too Large" },
  500: { kind: "internal", title: "Internal Server Error" },
  501: { kind: "job-not-cancellable", title: "Not Implemented" },
  503: { kind: "unavailable", title: "Service Unavailable" },
};

/** The problem kind of a status: its own, else bad-request for a 4xx and internal for a 5xx. */
export function kindForStatus(status: number): ProblemKind {
  return KINDS[status]?.kind ?? (status >= 500 ? "internal" : "bad-request");
}

/** The status's reason phrase (RFC 9110), the problem's `title`. */
export function titleFor(status: number): string {
  return KINDS[status]?.title ?? (status >= 500 ? "Internal Server Error" : "Bad Request");
}

export function problemBody(
  status: number,
  detail: string,
  extra: { kind?: ProblemKind; instance?: string | undefined; requestId?: string | undefined } = {},
): Problem {
  return {
    type: `urn:problem:jobs-api:${extra.kind ?? kindForStatus(status)}`,
    title: titleFor(status),
    status,
    detail,
    errors: [detail],
    ...(extra.instance !== undefined && { instance: extra.instance }),
    ...(extra.requestId !== undefined && { requestId: extra.requestId }),
  };
}

/** The words of each problem the API answers, as `detail` (and `errors[0]`). */
export const problemWords = {
  /** Whatever is wrong with the key: upstream v1's words exactly, which its clients compare. */
  invalidApiKey: "Invalid API Key",
  projectNotFound: (projectKey: string) => `Project ${projectKey} was not found.`,
  jobNotFound: (jobId: number, projectKey: string) => `Job ${jobId} was not found in project ${projectKey}.`,
  notCancellable: (job: { jobId: number; status: string }) => `Job ${job.jobId} is ${job.status} and can no longer be cancelled.`,
  /** `shownPath`: the request's path as logs show it (shownPath in logged-path.ts). */
  noOperation: (method: string, shownPath: string) => `No operation at ${method} ${shownPath}.`,
  methodNotAllowed: (method: string, shownPath: string) => `${method} is not an operation of ${shownPath}.`,
  emptyPathParameter: (name: string) => `path parameter ${name} must not be empty`,
  malformedPath: "The request path is not valid percent-encoded UTF-8.",
  contentTooLarge: (maxBytes: number) => `The request body is larger than ${maxBytes} bytes; no operation takes a body.`,
  rateLimited: (seconds: number) => `Too many requests for this API key; retry in ${seconds} seconds.`,
  unavailable: "The database is busy or unavailable; retry in a moment.",
  internal: "An unexpected error occurred; quote the requestId when you report it.",
} as const;
