// The deletion batches of delete_user_data, run in a worker thread on a database connection of
// its own, so that they never wait for, nor hold, the API's event loop.
//
// SQLite: better-sqlite3 is synchronous, so a batch run on the server's connection blocks the
// event loop for its whole duration, and every few hundred batches SQLite's automatic WAL
// checkpoint (an fsync and a copy of the WAL into the database) runs inside a commit: that was
// the API's p99 during a large deletion (bench/README.md, runner). In the worker, WAL lets the API
// read meanwhile, and its writes wait their turn (busy_timeout) for at most one batch; the
// checkpoints that the worker's commits trigger run in the worker too.
// PostgreSQL: a batch is several round trips; on the API's event loop each waits behind the
// requests in flight, so under load a batch took several times its database time (and held the
// job's row as long). The worker's event loop does nothing else.
//
// The worker runs the one batch transaction (deletion-batch.ts) on a connection opened as every
// connection of the store is (sqlite.ts, postgres.ts: the same settings). The same module is the
// worker's code (started from this file), so it loads only its database driver.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { DatabaseSettings } from "../config.js";
import { runDeletionBatch, type BatchDone, type BatchRequest } from "./deletion-batch.js";
import { StoreError, type StoreErrorCode } from "./errors.js";
import { closingTimedOut, postgresConnections } from "./postgres.js";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";

/** undefined: the job is no longer ours (cancelled, or its lease taken over); nothing deleted. */
export type BatchOutcome = BatchDone | undefined;

/** An error as it crosses from the worker: enough for the runner to tell a transient one (errors.ts). */
interface WireError {
  message: string;
  code?: string;
  /** Set when it was a StoreError (code is then the StoreError's). */
  storeError?: boolean;
  cause?: WireError;
}

interface Envelope {
  id: number;
  outcome?: BatchDone | null;
  error?: WireError;
}

const MARK = "jobs-api deletion worker";

/**
 * Where the worker connects: a SQLite file, or a PostgreSQL URL (kept in memory only, never
 * logged), with the settings the store's own connections have.
 */
export type DeletionTarget = ({ dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string }) & { settings: DatabaseSettings };

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
      if (message.error !== undefined) waiting.reject(fromWire(message.error));
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

/** The worker: opens its connection and runs one batch transaction per message, one at a time. */
async function serve(target: DeletionTarget): Promise<void> {
  const db = await openConnection(target);
  let queue = Promise.resolve();
  parentPort!.on("message", ({ id, request }: { id: number; request: BatchRequest }) => {
    queue = queue.then(async () => {
      try {
        const outcome = await runDeletionBatch(db, target.dialect, request);
        parentPort!.postMessage({ id, outcome: outcome ?? null } satisfies Envelope);
      } catch (error) {
        parentPort!.postMessage({ id, error: toWire(error) } satisfies Envelope);
      }
    });
  });
}

async function openConnection(target: DeletionTarget): Promise<Kysely<Database>> {
  if (target.dialect === "sqlite") {
    const { database } = openSqlite(target.path, target.settings);
    return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  }
  const { default: pg } = await import("pg");
  const pool = postgresConnections(pg, target.url, target.settings).pool("deletion worker", 1);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: closingTimedOut(pool) }) });
}

function toWire(error: unknown, depth = 0): WireError {
  const { message, code, cause } = (error ?? {}) as { message?: unknown; code?: unknown; cause?: unknown };
  return {
    message: typeof message === "string" ? message : String(error),
    ...(typeof code === "string" ? { code } : {}),
    ...(error instanceof StoreError ? { storeError: true } : {}),
    ...(cause !== undefined && depth < 2 ? { cause: toWire(cause, depth + 1) } : {}),
  };
}

function fromWire(wire: WireError): Error {
  const cause = wire.cause && fromWire(wire.cause);
  if (wire.storeError === true) return new StoreError(wire.code as StoreErrorCode, wire.message, { cause });
  return Object.assign(new Error(wire.message, { cause }), wire.code === undefined ? {} : { code: wire.code });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) {
  const { target } = workerData as { target: DeletionTarget };
  serve(target).catch((error: unknown) => {
    // The main thread sees the worker end and fails the batches waiting.
    throw error;
  });
}
