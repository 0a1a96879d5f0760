// Jobs as the API sees them: list, get, cancel, and schedule a user's deletion (idempotently).
import { sql } from "kysely";
import type { StoreContext } from "./context.js";
import { JOB_COLUMNS, toJob, type JobRow } from "./rows.js";
import type { Job, JobsStore, JobStatus } from "./types.js";
import { precompile, type PrecompiledQuery } from "./precompiled-query.js";
import { requireEpochMillis } from "./values.js";
import { PENDING_JOB_STATUSES } from "../../client/contract/jobs.js";

/**
 * The statuses of a job that may still run (the contract's pending statuses): at most one such
 * job per (project, action, reference), and the ones cancelJob cancels. Migration 0001's partial
 * index spells them too (a shipped migration is never edited); test/store/migrations.test.ts
 * proves the two agree.
 */
export const ACTIVE_STATUSES: readonly JobStatus[] = PENDING_JOB_STATUSES;

/**
 * The predicate of the jobs_one_active_per_reference partial index, as a literal: both
 * databases use a partial index (and PostgreSQL infers it as an ON CONFLICT target) only when
 * the query's condition matches the index's, which bound parameters would not.
 */
const ACTIVE = sql.raw<boolean>(`status in (${ACTIVE_STATUSES.map((status) => `'${status}'`).join(", ")})`);

const ACTION_DELETE_USER_DATA = "delete_user_data";

type ListParams = { project: number; status?: Job["status"]; after?: number; limit?: number };

export function jobsStore({ db }: StoreContext): JobsStore {
  // The API's hot read, built and compiled to SQL once (server/store/precompiled-query.ts).
  const jobInProject = precompile<{ job: number; project: number }, JobRow>(db, ["job", "project"], (p) =>
    db.selectFrom("jobs").select(JOB_COLUMNS).where("job_id", "=", p.job).where("project_id", "=", p.project),
  );
  /** listJobs, one precompiled query per combination of the optional filters (eight at most). */
  const jobLists = new Map<string, PrecompiledQuery<ListParams, JobRow>>();

  const getJob = async (projectId: number, jobId: number): Promise<Job | undefined> => {
    const [row] = (await jobInProject({ job: jobId, project: projectId })).rows;
    return row && toJob(row);
  };

  return {
    async listJobs(projectId, query) {
      const shape = `${query.status !== undefined}/${query.after !== undefined}/${query.limit !== undefined}`;
      let list = jobLists.get(shape);
      if (list === undefined) {
        const names = [
          "project",
          ...(query.status !== undefined ? ["status"] : []),
          ...(query.after !== undefined ? ["after"] : []),
          ...(query.limit !== undefined ? ["limit"] : []),
        ] as Array<keyof ListParams>;
        list = precompile<ListParams, JobRow>(db, names, (p) => {
          let select = db.selectFrom("jobs").select(JOB_COLUMNS).where("project_id", "=", p.project);
          if (query.status !== undefined) select = select.where("status", "=", p.status!);
          if (query.after !== undefined) select = select.where("job_id", ">", p.after!);
          select = select.orderBy("job_id");
          if (query.limit !== undefined) select = select.limit(p.limit!);
          return select;
        });
        jobLists.set(shape, list);
      }
      const { rows } = await list({ project: projectId, status: query.status, after: query.after, limit: query.limit });
      return rows.map(toJob);
    },

    getJob,

    async cancelJob(projectId, jobId, now) {
      // One atomic statement decides; the SELECT after it only explains a refusal.
      const cancelled = await db
        .updateTable("jobs")
        .set({ status: "cancelled", updated_at: now })
        .where("job_id", "=", jobId)
        .where("project_id", "=", projectId)
        .where("status", "in", ACTIVE_STATUSES)
        .returning(JOB_COLUMNS)
        .executeTakeFirst();
      if (cancelled !== undefined) return { outcome: "cancelled", job: toJob(cancelled) };
      const job = await getJob(projectId, jobId);
      return job === undefined ? { outcome: "not-found" } : { outcome: "not-cancellable", job };
    },

    async scheduleUserDeletion(projectId, userId, now, startAt) {
      requireEpochMillis({ createdAt: now, startAt });
      // The partial unique index allows one active job per (project, action, reference): the
      // INSERT either creates it or does nothing because another call (maybe in another process)
      // did. The loop covers the rare race where the job we collided with finished in between.
      for (let attempt = 0; attempt < 5; attempt++) {
        const existing = await db
          .selectFrom("jobs")
          .select(JOB_COLUMNS)
          .where("project_id", "=", projectId)
          .where("action", "=", ACTION_DELETE_USER_DATA)
          .where("reference_id", "=", userId)
          .where(ACTIVE)
          .executeTakeFirst();
        if (existing !== undefined) return { job: toJob(existing), created: false };
        const inserted = await db
          .insertInto("jobs")
          .values({
            project_id: projectId,
            action: ACTION_DELETE_USER_DATA,
            status: "scheduled",
            reference_id: userId,
            description: `Delete user sessions of userId = ${userId}`,
            created_at: now,
            updated_at: now,
            start_at: startAt,
            errors: null,
            lease_owner: null,
            lease_expires_at: null,
          })
          .onConflict((conflict) => conflict.columns(["project_id", "action", "reference_id"]).where(ACTIVE).doNothing())
          .returning(JOB_COLUMNS)
          .executeTakeFirst();
        if (inserted !== undefined) return { job: toJob(inserted), created: true };
      }
      throw new Error(`Could not schedule the deletion of user ${JSON.stringify(userId)}: too much contention.`);
    },
  };
}
