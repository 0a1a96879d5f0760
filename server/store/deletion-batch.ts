// One batch of a delete_user_data job: the one transaction every path runs, on either database,
// whether the deletion worker runs it on its own connection (deletion-worker.ts) or the store on
// its own (an in-memory SQLite database, which no other connection can open).
//
// First the guard: renewing the lease succeeds only while the job is running and ours (on
// PostgreSQL it also locks the job's row until COMMIT, so a cancel waits for the batch and the
// next batch sees it). Then the user's next sessions after the claim's cursor, by ascending id:
// the last id of the batch (one row back, not the whole batch), then one range delete. A batch
// never steps over rows deleted before (PostgreSQL keeps them in its indexes until VACUUM; see
// migration 0002).
import { CompiledQuery, type Kysely, type Transaction } from "kysely";
import { precompile } from "./precompiled-query.js";
import type { Database } from "./schema.js";
import type { Dialect } from "./types.js";

/** One batch: the transaction deleteSessionsBatch runs. */
export interface BatchRequest {
  jobId: number;
  workerId: string;
  projectId: number;
  userId: string;
  /** The largest session id deleted so far by this claim (0 at first). */
  after: number;
  batchSize: number;
  /** The lease's new end (now + leaseMs). */
  leaseExpiresAt: number;
}

/** What a batch did: sessions deleted, the new cursor, and how long its transaction took (ms). */
export interface BatchDone {
  deleted: number;
  upTo: number;
  ms: number;
}

type Statements = ReturnType<typeof compileStatements>;

/** The batch's statements, built and compiled once per database (precompiled-query.ts): a batch runs them thousands of times. */
const compiled = new WeakMap<Kysely<Database>, Statements>();

/** Runs one batch; undefined when the job is no longer ours (cancelled, or its lease taken over): nothing deleted. */
export async function runDeletionBatch(db: Kysely<Database>, dialect: Dialect, r: BatchRequest): Promise<BatchDone | undefined> {
  let statements = compiled.get(db);
  if (statements === undefined) compiled.set(db, (statements = compileStatements(db)));
  const { renewLease, lastOfBatch, deleteRange } = statements;
  const started = performance.now();
  const deleteAfter = async (trx: Transaction<Database>, after: number) => {
    const [last] = (await lastOfBatch({ project: r.projectId, user: r.userId, after, size: r.batchSize }, trx)).rows;
    if (last?.last == null) return { deleted: 0, upTo: after };
    const upTo = Number(last.last);
    const result = await deleteRange({ project: r.projectId, user: r.userId, after, upTo }, trx);
    return { deleted: Number(result.numAffectedRows), upTo };
  };
  // SQLite: the first statement writes, so the transaction takes the write lock at once (waiting
  // up to busy_timeout for it), as BEGIN IMMEDIATE would.
  const done = await db.transaction().execute(async (trx) => {
    // No WAL flush at each batch's commit: a batch lost in a crash is only sessions not yet
    // deleted, which the job deletes when it is taken up again; and finishJob's commit
    // (synchronous) flushes every batch before it, so a completed job never loses one.
    if (dialect === "postgres") await trx.executeQuery(NO_COMMIT_FLUSH);
    const renewed = await renewLease({ expires: r.leaseExpiresAt, job: r.jobId, worker: r.workerId }, trx);
    if (Number(renewed.numAffectedRows) === 0) return undefined;
    const batch = await deleteAfter(trx, r.after);
    // Nothing after the cursor: one sweep from the start makes sure nothing older is left (ids
    // only grow, so normally there is none).
    return batch.deleted === 0 && r.after > 0 ? deleteAfter(trx, 0) : batch;
  });
  return done && { ...done, ms: performance.now() - started };
}

const NO_COMMIT_FLUSH = CompiledQuery.raw("set local synchronous_commit = off");

function compileStatements(db: Kysely<Database>) {
  return {
    renewLease: precompile<{ expires: number; job: number; worker: string }, never>(db, ["expires", "job", "worker"], (p) =>
      db
        .updateTable("jobs")
        .set({ lease_expires_at: p.expires })
        .where("job_id", "=", p.job)
        .where("status", "=", "running")
        .where("lease_owner", "=", p.worker),
    ),
    // The last id of the next batch (one row back, not the whole batch)...
    lastOfBatch: precompile<{ project: number; user: string; after: number; size: number }, { last: number | string | null }>(
      db,
      ["project", "user", "after", "size"],
      (p) =>
        db
          .selectFrom((eb) =>
            eb
              .selectFrom("sessions")
              .select("id")
              .where("project_id", "=", p.project)
              .where("user_id", "=", p.user)
              .where("id", ">", p.after)
              .orderBy("id")
              .limit(p.size)
              .as("batch"),
          )
          .select((eb) => eb.fn.max("id").as("last")),
    ),
    // ...then one range delete.
    deleteRange: precompile<{ project: number; user: string; after: number; upTo: number }, never>(
      db,
      ["project", "user", "after", "upTo"],
      (p) =>
        db
          .deleteFrom("sessions")
          .where("project_id", "=", p.project)
          .where("user_id", "=", p.user)
          .where("id", ">", p.after)
          .where("id", "<=", p.upTo),
    ),
  };
}
