// The action table: what each job action does. A new action is one entry here (and one value
// in the spec's JobAction enum, which the Record type below then requires).
import type { Logger } from "pino";
import type { ClaimedJob, JobAction, Store } from "../store/types.js";

export interface ActionContext {
  store: Store;
  claim: ClaimedJob;
  batchSize: number;
  leaseMs: number;
  // Function properties (not methods): actions take them out of the context and call them alone.
  now: () => number;
  /** True once the runner is stopping: end after the current batch, with "interrupted". */
  stopping: () => boolean;
  /** Waits as JOBS_PACE asks after `sessions` were deleted (at once when off); ends early on stop. */
  pace?: (sessions: number) => Promise<void>;
  logger: Logger;
  /** A long job logs its progress at most this often (by now()). */
  progressEveryMs: number;
}

export type ActionOutcome =
  /** Done: the runner marks the job completed. */
  | { kind: "done"; deleted: number }
  /** The job stopped being ours (cancelled, or its lease taken over): leave it as it is. */
  | { kind: "lost"; deleted: number }
  /** The runner is stopping: the job is released for another process or a restart. */
  | { kind: "interrupted"; deleted: number };

export interface Action {
  /** What the action does, as the start of a failure message: "<title> failed: <reason>". */
  title: string;
  /** Runs one claimed job. Throwing marks the job failed with the error's message. */
  run(context: ActionContext): Promise<ActionOutcome>;
}

/** Lets the event loop serve other work (HTTP requests) between two batches. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * delete_user_data: deletes every session of the user (job.referenceId) in the job's project,
 * batchSize at a time, one transaction a batch; each batch first renews the lease and checks
 * that the job is still running and ours, so a cancel takes effect at the next batch.
 */
export const deleteUserData: Action = {
  title: "Deleting the user's sessions",
  async run({ store, claim, batchSize, leaseMs, now, stopping, pace, logger, progressEveryMs }) {
    let deleted = 0;
    let batches = 0;
    let reported = now();
    for (;;) {
      const batch = await store.deleteSessionsBatch(claim, batchSize, now(), leaseMs);
      if (!batch.stillOwned) return { kind: "lost", deleted };
      if (batch.deleted === 0) return { kind: "done", deleted };
      deleted += batch.deleted;
      await pace?.(batch.deleted);
      batches++;
      if (now() - reported >= progressEveryMs) {
        // A user with millions of sessions takes minutes: say that the job is alive and how far.
        logger.info({ deleted, batches }, "job progress");
        reported = now();
      }
      await yieldToEventLoop();
      if (stopping()) return { kind: "interrupted", deleted };
    }
  },
};

export type ActionTable = Record<JobAction, Action>;

export const actions: ActionTable = {
  delete_user_data: deleteUserData,
};
