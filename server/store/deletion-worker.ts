// The deletion batches of delete_user_data, run in a worker thread on a database connection of
// its own, so that they never wait for, nor hold, the API's event loop.
//
// SQLite: better-sqlite3 is synchronous, so a batch run on the server's connection blocks the
// event loop for its whole duration, and every few hundred batches SQLite's automatic WAL
// checkpoint (an fsync and a copy of the WAL into the database) runs inside a commit for 10–35 ms:
// that was the API's p99 during a large deletion (bench/README.md, runner). In the worker, WAL
// lets the API read meanwhile, and its writes wait their turn (busy_timeout) for at most one
// batch; the checkpoints that the worker's commits trigger run in the worker too.
// PostgreSQL: a batch is five round trips (BEGIN, lease, last id, delete, COMMIT); on the API's
// event loop each waits behind the requests in flight, so under load a batch took several times
// its database time (and held the job's row as long). The worker's event loop does nothing else.
//
// Each batch is the same transaction as before: renew the lease if the job is still running and
// ours, then delete the next ids (server/store/claims.ts has the in-process version, used for an
// in-memory SQLite database, which another connection cannot open). The same module is the
// worker's code (started from this file), so it loads only its database driver.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

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

/** undefined: the job is no longer ours (cancelled, or its lease taken over); nothing deleted. ms: the transaction's duration. */
export type BatchOutcome = { deleted: number; upTo: number; ms: number } | undefined;

interface Envelope {
  id: number;
  outcome?: { deleted: number; upTo: number; ms: number } | null;
  error?: { message: string; code?: string };
}

const MARK = "jobs-api deletion worker";

/** Where the worker connects: a SQLite file, or a PostgreSQL URL (kept in memory only, never logged). */
export type DeletionTarget = { dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string };

/** The main thread's side: one worker per store, started at the first batch, ended by close(). */
export class DeletionWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve(outcome: BatchOutcome): void; reject(error: Error): void }>();
  private nextId = 1;

  constructor(private readonly target: DeletionTarget) {}

  run(request: BatchRequest): Promise<BatchOutcome> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // a batch in flight keeps the process alive; an idle worker does not
      worker.postMessage({ id, request });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const source = import.meta.url;
    const data = { [MARK]: true, target: this.target };
    // Compiled (dist/), the worker runs this file. From the TypeScript sources (tsx, the tests),
    // it loads it through tsx's API (a worker's --import does not reach its entry module here).
    const worker = source.endsWith(".ts")
      ? new Worker(viaTsx(source), { eval: true, workerData: data })
      : new Worker(new URL(source), { workerData: data });
    worker.unref();
    worker.on("message", (message: Envelope) => {
      const waiting = this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
      if (message.error !== undefined) waiting.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else waiting.resolve(message.outcome ?? undefined);
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`the deletion worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** A worker's code that loads `source` (TypeScript) through tsx's ESM API (a devDependency). */
function viaTsx(source: string): string {
  // require.resolve answers the API's CommonJS entry; its ES module entry sits beside it.
  const api = pathToFileURL(
    createRequire(source)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  return `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`;
}

/** The worker, SQLite: opens the database as the store does and runs one batch transaction per message. */
async function serveSqlite(path: string): Promise<void> {
  const { default: Database } = await import("better-sqlite3");
  const db: BetterSqlite3.Database = new Database(path);
  // The store's connection settings (server/store/sqlite.ts).
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  const renew = db.prepare("UPDATE jobs SET lease_expires_at = ? WHERE job_id = ? AND status = 'running' AND lease_owner = ?");
  // The last id of the next batch (one row back, not the whole batch), then one range delete.
  const lastOf = db.prepare<[number, string, number, number], { last: number | null }>(
    "SELECT max(id) AS last FROM (SELECT id FROM sessions WHERE project_id = ? AND user_id = ? AND id > ? ORDER BY id LIMIT ?)",
  );
  const remove = db.prepare("DELETE FROM sessions WHERE project_id = ? AND user_id = ? AND id > ? AND id <= ?");
  const deleteAfter = (r: BatchRequest, after: number) => {
    const last = lastOf.get(r.projectId, r.userId, after, r.batchSize)?.last;
    if (last == null) return { deleted: 0, upTo: after };
    return { deleted: remove.run(r.projectId, r.userId, after, last).changes, upTo: last };
  };
  const batch = db.transaction((r: BatchRequest) => {
    // First the guard: renewing the lease succeeds only while the job is running and ours.
    if (renew.run(r.leaseExpiresAt, r.jobId, r.workerId).changes === 0) return null;
    const done = deleteAfter(r, r.after);
    // Nothing after the cursor: one sweep from the start makes sure nothing older is left.
    return done.deleted === 0 && r.after > 0 ? deleteAfter(r, 0) : done;
  });
  // IMMEDIATE: the write lock from the start (waiting up to busy_timeout for it).
  answer(async (request) => batch.immediate(request));
}

/** The worker, PostgreSQL: one connection, one batch transaction per message. */
async function servePostgres(url: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const deleteAfter = async (r: BatchRequest, after: number) => {
    const { rows } = await client.query<{ last: string | null }>(
      "SELECT max(id) AS last FROM (SELECT id FROM sessions WHERE project_id = $1 AND user_id = $2 AND id > $3 ORDER BY id LIMIT $4) AS batch",
      [r.projectId, r.userId, after, r.batchSize],
    );
    const last = rows[0]?.last == null ? undefined : Number(rows[0].last);
    if (last === undefined) return { deleted: 0, upTo: after };
    const removed = await client.query("DELETE FROM sessions WHERE project_id = $1 AND user_id = $2 AND id > $3 AND id <= $4", [
      r.projectId,
      r.userId,
      after,
      last,
    ]);
    return { deleted: removed.rowCount ?? 0, upTo: last };
  };
  answer(async (r) => {
    await client.query("BEGIN");
    try {
      // No WAL flush at each batch's commit: a batch lost in a crash is only sessions not yet
      // deleted, which the job deletes when it is taken up again; and finishJob's commit
      // (synchronous) flushes every batch before it, so a completed job never loses one.
      await client.query("SET LOCAL synchronous_commit = off");
      // First the guard: renewing the lease succeeds only while the job is running and ours. It
      // also locks the job's row until COMMIT, so a cancel waits for the batch and the next sees it.
      // (One statement doing the guard and the delete at once, with a CTE, measured slower:
      // 277,000 against 447,000 sessions/s in batches of 5,000.)
      const renewed = await client.query(
        "UPDATE jobs SET lease_expires_at = $1 WHERE job_id = $2 AND status = 'running' AND lease_owner = $3",
        [r.leaseExpiresAt, r.jobId, r.workerId],
      );
      if (renewed.rowCount === 0) {
        await client.query("ROLLBACK");
        return null;
      }
      let done = await deleteAfter(r, r.after);
      if (done.deleted === 0 && r.after > 0) done = await deleteAfter(r, 0);
      await client.query("COMMIT");
      return done;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  });
}

/** Answers each batch request with its outcome and the transaction's duration, one at a time. */
function answer(run: (request: BatchRequest) => Promise<{ deleted: number; upTo: number } | null>): void {
  let queue = Promise.resolve();
  parentPort!.on("message", ({ id, request }: { id: number; request: BatchRequest }) => {
    queue = queue.then(async () => {
      try {
        const started = performance.now();
        const done = await run(request);
        const ms = performance.now() - started;
        parentPort!.postMessage({ id, outcome: done === null ? null : { ...done, ms } } satisfies Envelope);
      } catch (error) {
        const { message, code } = error as { message?: string; code?: string };
        parentPort!.postMessage({ id, error: { message: message ?? String(error), code } } satisfies Envelope);
      }
    });
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  const { target } = workerData as { target: DeletionTarget };
  const serving = target.dialect === "sqlite" ? serveSqlite(target.path) : servePostgres(target.url);
  serving.catch((error: unknown) => {
    // The main thread sees the worker end and fails the batches waiting.
    throw error;
  });
}
