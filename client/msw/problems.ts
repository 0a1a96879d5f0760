// The error answers of the stateful handlers: RFC 9457 problem bodies with `errors: [detail]` and
// the spec's stable `type` URIs (Problem.type in openapi.yaml), as the reference server sends them.
import type { Problem } from "../index.js";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problem kinds the stateful handlers can answer (a subset of the spec's Problem.type list). */
export type ProblemKind = "bad-request" | "unauthorized" | "not-found" | "job-not-cancellable";

const STATUS: Record<ProblemKind, { status: 400 | 401 | 404 | 501; title: string }> = {
  "bad-request": { status: 400, title: "Bad Request" },
  unauthorized: { status: 401, title: "Unauthorized" },
  "not-found": { status: 404, title: "Not Found" },
  "job-not-cancellable": { status: 501, title: "Not Implemented" },
};

export class ProblemError extends Error {
  override readonly name = "ProblemError";
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
  ) {
    super(detail);
  }

  get status(): 400 | 401 | 404 | 501 {
    return STATUS[this.kind].status;
  }

  /** The body; `instance` is the request's path, as the reference server sets it. */
  body(instance?: string): Problem {
    const { status, title } = STATUS[this.kind];
    return {
      type: `urn:problem:jobs-api:${this.kind}`,
      title,
      status,
      detail: this.detail,
      errors: [this.detail],
      ...(instance !== undefined && { instance }),
    };
  }
}

/** Response headers of a problem answer. */
export const PROBLEM_INIT = { headers: { "Content-Type": PROBLEM_CONTENT_TYPE } } as const;
