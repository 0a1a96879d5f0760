// Writes and reads that only the demo (server/cli/demo.ts) and the tests need: a job inserted as
// given, whatever its status, and a count of sessions. They are not on the Store interface, so
// handlers and the runner cannot reach them.
import { sql } from "kysely";
import { rethrowAs } from "./errors.js";
import { JOB_COLUMNS, toJob } from "./rows.js";
import { contextOf } from "./store.js";
import type { Job, Store } from "./types.js";
import { requireEpochMillis } from "./values.js";

/** A job as insertJob takes it: jobId is generated unless given. */
export type JobData = Omit<Job, "jobId"> & { jobId?: number };

/** Inserts a job as given (demo data and tests). */
export async function insertJob(store: Store, job: JobData): Promise<Job> {
  requireEpochMillis({ createdAt: job.createdAt, updatedAt: job.updatedAt, startAt: job.startAt });
  const { db, backend } = contextOf(store);
  const row = await db
    .insertInto("jobs")
    .values({
      ...(job.jobId !== undefined ? { job_id: job.jobId } : {}),
      project_id: job.projectId,
      action: job.action,
      status: job.status,
      reference_id: job.referenceId,
      description: job.description,
      created_at: job.createdAt,
      updated_at: job.updatedAt,
      start_at: job.startAt,
      errors: job.errors,
      lease_owner: null,
      // A running job inserted as data has no live owner: its lease is free from the start.
      lease_expires_at: job.status === "running" ? 0 : null,
    })
    .returning(JOB_COLUMNS)
    .executeTakeFirstOrThrow()
    .catch(
      rethrowAs({
        duplicate: `Job ${job.jobId ?? ""} not inserted: its id is taken, or the project already has an active ${job.action} job for ${JSON.stringify(job.referenceId)}.`,
        "unknown-reference": `Job not inserted: there is no project with id ${job.projectId}.`,
        invalid: `Job not inserted: invalid values.`,
      }),
    );
  if (job.jobId !== undefined && backend.dialect === "postgres") {
    // An explicit id does not advance the identity sequence: move it past the largest id, or
    // the next generated id could collide.
    await sql`select setval(pg_get_serial_sequence('jobs', 'job_id'), (select max(job_id) from jobs))`.execute(db);
  }
  return toJob(row);
}

/** How many sessions the project has (of one user, when given). */
export async function countSessions(store: Store, projectId: number, userId?: string): Promise<number> {
  const { db } = contextOf(store);
  let select = db
    .selectFrom("sessions")
    .select((eb) => eb.fn.countAll<number>().as("count"))
    .where("project_id", "=", projectId);
  if (userId !== undefined) select = select.where("user_id", "=", userId);
  const row = await select.executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Ends a scheduled job at once, as if a runner had run it in no time (the sandbox's test mode:
 * finished@test.example). Only a job still scheduled; true when it ended here.
 */
export async function endScheduledJob(
  store: Store,
  jobId: number,
  outcome: { status: "completed"; errors: null } | { status: "failed"; errors: string },
  now: number,
): Promise<boolean> {
  const { db } = contextOf(store);
  const result = await db
    .updateTable("jobs")
    .set({ status: outcome.status, errors: outcome.errors, updated_at: now })
    .where("job_id", "=", jobId)
    .where("status", "=", "scheduled")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
