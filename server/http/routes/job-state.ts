// The job a handler answers, checked to be in the state its answer promises (openapi.yaml:
// JobState for any job, PendingJobState for deleteUserData, CancelledJobState for cancelJob)
// with the spec's own schema, so the handler's type follows from a check instead of a cast. The
// store keeps status and errors consistent; should it ever not, the answer is a 500 (logged), not
// an impossible state, also with RESPONSE_VALIDATION=off. A check of two fields: it costs nothing
// next to the database read.
import type { ValidateFunction } from "ajv/dist/2020.js";
import type { components } from "../../../generated/schema.js";
import type { Job } from "../../store/types.js";
import { compileSchemaValidator } from "../spec-validators.js";

type Schemas = components["schemas"];
/** The spec's job states: JobState, PendingJobState, CancelledJobState, ... */
export type JobStateName = Extract<keyof Schemas, `${string}JobState`>;

const validators = new Map<JobStateName, ValidateFunction>();

export function inState<S extends JobStateName>(job: Job, state: S): Job & Schemas[S] {
  let validate = validators.get(state);
  if (validate === undefined) validators.set(state, (validate = compileSchemaValidator(state)));
  const { jobId, status, errors } = job;
  if (!validate(job)) throw new Error(`Job ${jobId} is not in ${state} (status ${status}, errors ${errors === null ? "null" : "set"}).`);
  return job as Job & Schemas[S];
}
