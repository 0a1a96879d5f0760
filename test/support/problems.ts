// The one check of an error answer (RFC 9457 problem details), however the test fetched it: the
// test server's call(), a raw HTTP answer, or the typed client's result.
import { expect } from "vitest";
import type { Problem, ProblemKind } from "../../server/http/problems.js";

/** An answer as call() or httpRequest() give it; contentType and headers when known. */
export interface AnswerLike {
  status: number;
  body: unknown;
  contentType?: string;
  headers?: Headers | Record<string, string | string[] | undefined>;
}

/** The typed client's (openapi-fetch's) result of a failed call. */
export interface ClientResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * Asserts a problem answer: one of the statuses, the problem content type (when the answer has
 * headers), a body of that status whose type is urn:problem:jobs-api:<type> (any of ours when no
 * type is given), a title, a detail, errors = [detail], and never a stack trace. Answers the body.
 */
export function expectProblem(
  answer: AnswerLike | ClientResult,
  status: number | readonly number[],
  expected: ProblemKind | { type?: ProblemKind; what?: string } = {},
): Problem {
  const { type, what = "" } = typeof expected === "string" ? { type: expected } : expected;
  const { status: actual, body, contentType } = normalized(answer, what);
  const allowed = typeof status === "number" ? [status] : status;
  expect(allowed, `${what}: got ${actual} ${JSON.stringify(body)?.slice(0, 300)}`).toContain(actual);
  if (contentType !== undefined) expect(contentType, what).toMatch(/^application\/problem\+json/);
  const problem = body as Problem;
  expect(problem, what).toMatchObject({
    status: actual,
    type: type === undefined ? expect.stringMatching(/^urn:problem:jobs-api:/) : `urn:problem:jobs-api:${type}`,
  });
  expect(typeof problem.title, what).toBe("string");
  expect(typeof problem.detail, what).toBe("string");
  expect(problem.errors, what).toEqual([problem.detail]);
  expect(JSON.stringify(problem), what).not.toMatch(/\bat .*\.(ts|js):\d+/);
  return problem;
}

function normalized(answer: AnswerLike | ClientResult, what: string): { status: number; body: unknown; contentType?: string } {
  if ("response" in answer) {
    expect(answer.data, what).toBeUndefined();
    return { status: answer.response.status, body: answer.error, contentType: answer.response.headers.get("content-type") ?? "" };
  }
  const { headers } = answer;
  const header = headers instanceof Headers ? headers.get("content-type") : headers?.["content-type"];
  return { status: answer.status, body: answer.body, contentType: answer.contentType ?? (typeof header === "string" ? header : undefined) };
}
