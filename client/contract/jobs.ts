// A job's life as the contract states it: its statuses, which of them are pending (a cancel is
// still possible, and deleteUserData answers that job instead of scheduling another) and which are
// final (a cancel answers 501). From the generated enum values, not the operation table, so the
// light client can import it and stay small.
import { jobStatusValues, type components } from "../../generated/schema.js";

export type Job = components["schemas"]["Job"];
export type JobStatus = components["schemas"]["JobStatus"];

/** Every status, in the spec's order (JobStatus). */
export const JOB_STATUSES: readonly JobStatus[] = jobStatusValues;

/** Statuses of a job that has not ended. */
export const PENDING_JOB_STATUSES: readonly JobStatus[] = ["scheduled", "running"];

/** The statuses a job never leaves. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((status) => !PENDING_JOB_STATUSES.includes(status));

/** Whether cancelJob can still cancel a job in this status (else it answers 501). */
export const isCancellable = (status: JobStatus): boolean => PENDING_JOB_STATUSES.includes(status);
