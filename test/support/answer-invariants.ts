// The promises an answer of the API keeps beyond its shape, written once and checked against
// both the real server's answers and answers generated from openapi.yaml alone
// (test/contract/schema-tightness.test.ts): if a schema-driven mock (Prism's dynamic mode,
// json-schema-faker, Orval, Kubb...) can generate an answer that breaks one, the spec says less
// than the server does. Written here by hand, not read from the spec, on purpose: they are what
// the spec is tested to state, so removing one from the spec must not remove it from the test.
type Json = any;

export interface AnswerInvariant {
  name: string;
  /** What is wrong with this answer (operationId, HTTP status, parsed body), or undefined. */
  check(operationId: string, status: number, body: Json): string | undefined;
}

/** The jobs an answer carries: `{"data": Job}` or `{"data": [Job, ...]}` of a 2xx. */
function jobsOf(status: number, body: Json): Json[] {
  if (status < 200 || status > 299 || body === null || typeof body !== "object") return [];
  const data = body.data;
  if (Array.isArray(data)) return data;
  return data !== null && typeof data === "object" ? [data] : [];
}

const describeJob = (job: Json) => `job ${job.jobId} (status ${JSON.stringify(job.status)}, errors ${JSON.stringify(job.errors)})`;

export const ANSWER_INVARIANTS: readonly AnswerInvariant[] = [
  {
    name: "a job has errors (a message) exactly when it failed",
    check: (_operationId, status, body) => {
      const broken = jobsOf(status, body).filter(
        (job) => (job.status === "failed") !== (typeof job.errors === "string" && job.errors !== ""),
      );
      return broken.length === 0 ? undefined : broken.map(describeJob).join("; ");
    },
  },
  {
    name: "cancelJob answers the job cancelled",
    check: (operationId, status, body) => {
      if (operationId !== "cancelJob" || status !== 200) return undefined;
      const job = body?.data;
      return job?.status === "cancelled" && job.errors === null ? undefined : describeJob(job ?? {});
    },
  },
  {
    name: "deleteUserData answers a pending job (scheduled or running)",
    check: (operationId, status, body) => {
      if (operationId !== "deleteUserData" || status !== 200) return undefined;
      const job = body?.data;
      return job?.status === "scheduled" || job?.status === "running" ? undefined : describeJob(job ?? {});
    },
  },
  {
    name: "a problem's errors is one message (the v1 format's list)",
    check: (_operationId, status, body) => {
      if (status < 400) return undefined;
      const errors = body?.errors;
      return Array.isArray(errors) && errors.length === 1 && typeof errors[0] === "string" && errors[0] !== ""
        ? undefined
        : `errors is ${JSON.stringify(errors)}`;
    },
  },
];

/** Every invariant the answer breaks: its name, and what is wrong. */
export function brokenInvariants(operationId: string, status: number, body: Json): Array<{ invariant: string; problem: string }> {
  return ANSWER_INVARIANTS.flatMap((invariant) => {
    const problem = invariant.check(operationId, status, body);
    return problem === undefined ? [] : [{ invariant: invariant.name, problem }];
  });
}
