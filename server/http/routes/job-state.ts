// The job a handler answers, checked to be in the state its answer promises (openapi.yaml:
// JobState for any job, PendingJobState for deleteUserData, CancelledJobState for cancelJob)
// with the spec's own schema, so the handler's type follows from a check instead of a cast. The
// store keeps status and errors consistent; should it ever not, the answer is a 500 (logged), not
// an impossible state, also with RESPONSE_VALIDATION=off. A check of two fields: it costs nothing
// next to the database read.
import type { components } from "../../../generated/schema.js";
import { contractValidators } from "../../../client/contract/validators.js";
import type { Job } from "../../store/types.js";

type Schemas = components["schemas"];
/** The spec's job states: JobState, PendingJobState, CancelledJobState, ... */
export type JobStateName = Extract<keyof Schemas, `${string}JobState`>;

export function inState<S extends JobStateName>(job: Job, state: S): Job & Schemas[S] {
  const { jobId, status, errors } = job;
  // Compiled once per state (the contract's validators cache by schema).
  if (!contractValidators().schema(state)(job)) {
    throw new Error(`Job ${jobId} is not in ${state} (status ${status}, errors ${errors === null ? "null" : "set"}).`);
  }
  return job as Job & Schemas[S];
}
