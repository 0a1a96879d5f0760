// A job's life as the contract states it: its statuses, which of them are pending (a cancel is
// still possible, and deleteUserData answers that job instead of scheduling another: the spec's
// PendingJobState) and which are final (a cancel answers 501: FinalJobState). From the generated
// enum values and types, not the operation table, so the light client can import it and stay small.
import { jobStatusValues, type components } from "../../generated/schema.js";

export type Job = components["schemas"]["Job"];
export type JobStatus = components["schemas"]["JobStatus"];
type PendingStatus = components["schemas"]["PendingJobState"]["status"];
type FinalStatus = components["schemas"]["FinalJobState"]["status"];

/**
 * A list the compiler holds to a union of the generated types: one the spec adds to the union,
 * or removes from it, fails the typecheck (openapi-typescript writes no values for a `const`).
 */
const everyOf =
  <U extends string>() =>
  <const L extends readonly U[]>(list: L & ([Exclude<U, L[number]>] extends [never] ? unknown : never)): readonly U[] =>
    list;

/** Every status, in the spec's order (JobStatus). */
export const JOB_STATUSES: readonly JobStatus[] = jobStatusValues;

/** Statuses of a job that has not ended (PendingJobState). */
export const PENDING_JOB_STATUSES: readonly JobStatus[] = everyOf<PendingStatus>()(["scheduled", "running"]);

/** The statuses a job never leaves (FinalJobState): every other one. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((status) => !PENDING_JOB_STATUSES.includes(status));
// "Every other one" holds as long as the spec's two states split JobStatus between them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statesSplitJobStatus: Same<FinalStatus, Exclude<JobStatus, PendingStatus>> = true;
void statesSplitJobStatus;

/** Whether cancelJob can still cancel a job in this status (else it answers 501). */
export const isCancellable = (status: JobStatus): boolean => PENDING_JOB_STATUSES.includes(status);
