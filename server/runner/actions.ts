// The action table: what each job action does. A new action is one entry here (and one value
// in the spec's JobAction enum, which the Record type below then requires).
import type { Logger } from "pino";
import type { ClaimedJob, JobAction, Store } from "../store/types.js";

export interface ActionContext {
  store: Store;
  claim: ClaimedJob;
  batchSize: number;
  /** Adapt the batch size to take about this long (0: every batch batchSize). */
  batchTimeMs?: number;
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

/** The largest batch adaptive sizing reaches (JOBS_BATCH_SIZE's own maximum). */
export const MAX_BATCH_SIZE = 100_000;

/**
 * The next batch's size: doubled while a full batch takes under timeMs, halved (not under
 * `smallest`) when one takes over twice that, so batches take about timeMs to 2 × timeMs. Larger
 * batches cost less a session (one commit, each index page written once, fewer round trips:
 * bench/README.md, runner); bounded by time, because a batch holds the job's row (PostgreSQL) or
 * SQLite's write lock, which an API write (a cancel, a new job) then waits for.
 */
export function nextBatchSize(size: number, deleted: number, ms: number, timeMs: number, smallest: number): number {
  if (timeMs <= 0) return size;
  if (ms > 2 * timeMs) return Math.max(smallest, Math.floor(size / 2));
  if (deleted === size && ms < timeMs) return Math.min(MAX_BATCH_SIZE, size * 2);
  return size;
}

/**
 * delete_user_data: deletes every session of the user (job.referenceId) in the job's project,
 * one transaction a batch (batchSize at first, then sized by time: nextBatchSize); each batch
 * first renews the lease and checks that the job is still running and ours, so a cancel takes
 * effect at the next batch.
 */
export const deleteUserData: Action = {
  title: "Deleting the user's sessions",
  async run({ store, claim, batchSize, batchTimeMs = 0, leaseMs, now, stopping, pace, logger, progressEveryMs }) {
    let deleted = 0;
    let size = batchSize;
    let batches = 0;
    let reported = now();
    for (;;) {
      const started = performance.now();
      const batch = await store.deleteSessionsBatch(claim, size, now(), leaseMs);
      if (!batch.stillOwned) return { kind: "lost", deleted };
      if (batch.deleted === 0) return { kind: "done", deleted };
      deleted += batch.deleted;
      size = nextBatchSize(size, batch.deleted, batch.ms ?? performance.now() - started, batchTimeMs, batchSize);
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
