// Which declared answer the example-based handlers give, chosen the way the Prism mock (`npm run
// mock`) chooses it from a `Prefer: code=..., example=...` header, so that a frontend gets the same
// answer from MSW as from Prism. Mirrors @stoplight/prism-http's negotiator for this spec's shapes
// (one media type per response): hand-written because Prism's negotiator is not a browser library.
import type { Operation, Response } from "../contract/index.js";

/** The answer to give: a status and, optionally, one of that status's named examples. */
export interface ExampleChoice {
  /** An HTTP status (Prism's `Prefer: code=`); an undeclared one answers the `default` response's example. */
  status?: number;
  /** A named example (Prism's `Prefer: example=`), e.g. `completedJob` or `jobNotFound`. */
  example?: string;
}

/** An answer as Prism would send it. */
export interface Answer {
  status: number;
  mediaType: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Prism's own errors (not the spec's): an unknown example name, a `code` that is not a number. */
export class PrismStyleError extends Error {
  override readonly name = "PrismStyleError";
  constructor(readonly answer: Answer) {
    super((answer.body as { detail: string }).detail);
  }
}

const PRISM_ERRORS = {
  NOT_FOUND: [404, "The server cannot find the requested content"],
  UNPROCESSABLE_ENTITY: [422, "Invalid request"],
  NO_PATH_MATCHED_ERROR: [404, "Route not resolved, no path matched"],
  NO_METHOD_MATCHED_ERROR: [405, "Route resolved, but no method matched"],
} as const;

/** One of Prism's own errors, as Prism answers it. */
export function prismError(slug: keyof typeof PRISM_ERRORS, detail: string): PrismStyleError {
  const [status, title] = PRISM_ERRORS[slug];
  return new PrismStyleError({
    status,
    mediaType: "application/problem+json",
    body: { type: `https://stoplight.io/prism/errors#${slug}`, title, status, detail },
    headers: {},
  });
}

/**
 * Reads `Prefer` as Prism does: comma- or semicolon-separated `name=value` preferences (RFC 7240);
 * `code` and `example` choose the answer, anything else is ignored. Undefined when the header
 * chooses nothing (no header, or none of the two).
 */
export function parsePrefer(header: string | null | undefined): ExampleChoice | undefined {
  if (!header) return undefined;
  const values: Record<string, string> = {};
  for (const part of header.split(/[,;]/)) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (!(name in values)) values[name] = value;
  }
  const choice: ExampleChoice = {};
  if (values.code !== undefined) {
    const status = Number(values.code);
    if (!/^\d+$/.test(values.code) || status < 100 || status > 599) {
      throw prismError("UNPROCESSABLE_ENTITY", `optional property "code"\n└─ cannot decode "${values.code}", should be a number`);
    }
    choice.status = status;
  }
  if (values.example) choice.example = values.example;
  return choice.status === undefined && choice.example === undefined ? undefined : choice;
}

/** The named example of a response (the first when none is named), with the declared headers' examples. */
function answerOf(response: Response, status: number, example: string | undefined): Answer | undefined {
  const media = response.content[0];
  if (!media) return undefined;
  const found = example === undefined ? media.examples[0] : media.examples.find((e) => e.name === example);
  if (!found) return undefined;
  const headers: Record<string, string> = {};
  // Header examples are scalars (Link, Retry-After, X-Request-Id).
  for (const header of response.headers) {
    if (typeof header.example === "string" || typeof header.example === "number") headers[header.name] = String(header.example);
  }
  return { status, mediaType: media.type, body: found.value, headers };
}

const mediaTypeOf = (response: Response) => response.content[0]?.type ?? "(none)";

/** The response Prism falls back to: the lowest 2xx, else `default`, else the first. */
function fallbackResponse(operation: Operation): Response {
  const success = operation.responses.filter((r) => /^2\d\d$/.test(r.status)).sort((a, b) => Number(a.status) - Number(b.status))[0];
  const response = success ?? operation.responses.find((r) => r.status === "default") ?? operation.responses[0];
  if (!response) throw new Error(`${operation.operationId} declares no response`);
  return response;
}

function statusOf(response: Response, requested?: number): number {
  if (requested !== undefined) return requested;
  return response.status === "default" ? 500 : Number(response.status);
}

/**
 * The answer for a valid request. With a status: that status's response (or `default`, sent with
 * the asked status) and its example (the first when none is named); when that response lacks the
 * named example, the success response's example of that name. Without a status: the success
 * response. An example name found nowhere throws a PrismStyleError (Prism's 404 NOT_FOUND).
 */
export function chooseAnswer(operation: Operation, choice: ExampleChoice = {}): Answer {
  const { status, example } = choice;
  if (status !== undefined) {
    const response =
      operation.responses.find((r) => r.status === String(status)) ?? operation.responses.find((r) => r.status === "default");
    const answer = response && answerOf(response, status, example);
    if (answer) return answer;
  }
  const fallback = fallbackResponse(operation);
  const answer = answerOf(fallback, statusOf(fallback), example);
  if (answer) return answer;
  throw prismError(
    "NOT_FOUND",
    `Response for contentType: ${mediaTypeOf(fallback)} and exampleKey: ${example ?? "(first)"} does not exist.`,
  );
}

/**
 * The answer for a request Prism refuses before choosing (no Authorization: 401; an invalid
 * parameter: 400): the first example of that status, or the named one when `Prefer` asked for that
 * same status.
 */
export function chooseRefusal(operation: Operation, status: 400 | 401, choice: ExampleChoice = {}): Answer {
  const response = operation.responses.find((r) => r.status === String(status)) ?? operation.responses.find((r) => r.status === "default");
  if (!response) throw new Error(`${operation.operationId} declares no ${status} response`);
  const example = choice.status === status ? choice.example : undefined;
  const answer = answerOf(response, statusOf(response, status), example);
  if (answer) return answer;
  throw prismError("NOT_FOUND", `Response for contentType: ${mediaTypeOf(response)} and exampleKey: ${example} does not exist.`);
}
