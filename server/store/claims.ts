// The runner's side of the jobs: claim a due job under a lease, delete its user's sessions batch
// by batch (each batch renews the lease), then finish or release it.
import type { StoreContext } from "./context.js";
import { runDeletionBatch, type BatchRequest } from "./deletion-batch.js";
import { DeletionWorker } from "./deletion-worker.js";
import { JOB_COLUMNS, toJob } from "./rows.js";
import type { ClaimedJob, ClaimsStore } from "./types.js";

export function claimsStore({ db, backend }: StoreContext): ClaimsStore & { close: () => Promise<void> } {
  // The batches (deletion-batch.ts) run in a worker thread on a connection of its own
  // (deletion-worker.ts), off the API's event loop. An in-memory SQLite database cannot be opened
  // twice: there the same transaction runs here, on the store's connection.
  const worker =
    backend.dialect === "postgres"
      ? new DeletionWorker({ dialect: "postgres", url: backend.connections.url, settings: backend.connections.settings })
      : backend.path !== ":memory:"
        ? new DeletionWorker({ dialect: "sqlite", path: backend.path, settings: backend.settings })
        : undefined;
  const runBatch = (request: BatchRequest) => (worker ? worker.run(request) : runDeletionBatch(db, backend.dialect, request));

  /**
   * How far each claim's deletion has got: the largest session id it deleted. A batch deletes the
   * next batchSize sessions after it, in ascending id, so it never steps over rows deleted
   * before (PostgreSQL keeps them in its indexes until VACUUM; see migration 0002). Per claim
   * object and in memory only: a new claim (another process, a restart) starts again from 0.
   */
  const deletedUpTo = new WeakMap<ClaimedJob, number>();

  return {
    async claimDueJob(now, leaseMs, workerId) {
      // No ORDER BY: the OR of two conditions is answered from two indexes (jobs_due, jobs_lease),
      // which an ordering would defeat on a table of many finished jobs; any due job will do.
      const due = db
        .selectFrom("jobs")
        .select("job_id")
        .where((eb) =>
          eb.or([
            eb.and([eb("status", "=", "scheduled"), eb("start_at", "<=", now)]),
            eb.and([eb("status", "=", "running"), eb("lease_expires_at", "<=", now)]),
          ]),
        )
        .limit(1);
      // PostgreSQL: lock the picked row, skipping rows another transaction is claiming, so
      // concurrent claimers never pick the same job and never wait for each other. SQLite has no
      // row locks and needs none: it runs one writing statement at a time.
      const pick = backend.dialect === "postgres" ? due.forUpdate().skipLocked() : due;
      const row = await db
        .updateTable("jobs")
        .set((eb) => ({
          status: "running",
          // updatedAt tells when the status last changed: a takeover (running -> running) keeps it.
          updated_at: eb.case().when("status", "=", "scheduled").then(now).else(eb.ref("updated_at")).end(),
          lease_owner: workerId,
          lease_expires_at: now + leaseMs,
          attempts: eb("attempts", "+", 1),
        }))
        .where("job_id", "=", pick)
        .returning([...JOB_COLUMNS, "attempts"])
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const job = toJob(row);
      return { job, userId: job.referenceId, workerId, attempt: row.attempts };
    },

    async deleteSessionsBatch(claim, batchSize, now, leaseMs) {
      const outcome = await runBatch({
        jobId: claim.job.jobId,
        workerId: claim.workerId,
        projectId: claim.job.projectId,
        userId: claim.userId,
        after: deletedUpTo.get(claim) ?? 0,
        batchSize,
        leaseExpiresAt: now + leaseMs,
      });
      if (outcome === undefined) return { deleted: 0, stillOwned: false };
      deletedUpTo.set(claim, outcome.upTo);
      return { deleted: outcome.deleted, stillOwned: true, ms: outcome.ms };
    },

    async finishJob(claim, outcome, now) {
      const result = await db
        .updateTable("jobs")
        .set({ status: outcome.status, errors: outcome.errors, updated_at: now, lease_expires_at: null })
        .where("job_id", "=", claim.job.jobId)
        .where("status", "=", "running")
        .where("lease_owner", "=", claim.workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async close() {
      await worker?.close();
    },

    async releaseJob(claim) {
      // Expired "since the epoch": claimable at any time from now on. Status stays running.
      await db
        .updateTable("jobs")
        .set({ lease_expires_at: 0 })
        .where("job_id", "=", claim.job.jobId)
        .where("status", "=", "running")
        .where("lease_owner", "=", claim.workerId)
        .execute();
    },
  };
}
