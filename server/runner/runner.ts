// The in-process job runner: claims due jobs through the store and runs their action.
//
// Jobs are leased: a claim makes this runner the job's owner until the lease expires, and
// every batch renews it. A process that dies leaves its job running with a lease that runs
// out; then any runner (another process, or this one after a restart) claims it again.
// Deleting sessions is idempotent, so a job taken up again simply finishes the work.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { ClaimedJob, Store } from "../store/types.js";
import { transientFailure } from "../store/errors.js";
import { actions as defaultActions, yieldToEventLoop, type Action, type ActionOutcome } from "./actions.js";

export interface RunnerOptions {
  store: Store;
  logger: Logger;
  /** How long to sleep when no job is due. */
  pollIntervalMs: number;
  /** Sessions deleted per batch (one transaction each): the first batch's size, and the smallest. */
  batchSize: number;
  /** Batches adapt their size to take about this long (see actions.ts); 0 or unset: always batchSize. */
  batchTimeMs?: number;
  /** How long a claim lasts without renewal; each batch renews it. */
  leaseMs: number;
  /** At most this many sessions deleted per second (a pause after each batch); 0 or undefined = no pacing. */
  paceSessionsPerSecond?: number;
  /** Now, in epoch ms (tests inject one). Defaults to Date.now. */
  clock?: () => number;
  /** This runner's identity as a lease owner; unique per process by default. */
  workerId?: string;
  /** The action table (tests may add or replace actions). */
  actions?: Readonly<Record<string, Action>>;
  /** How often a long job logs "job progress" (default 10 s; by the clock). */
  progressEveryMs?: number;
  /** Waits after a transient database error: doubling from the first to the most (default 100 ms to 30 s). */
  retryBackoffMs?: { first: number; most: number };
}

export interface Runner {
  /** Starts the loop: claim a due job and run it, or sleep pollIntervalMs. */
  start(): void;
  /**
   * Stops claiming, lets the batch in flight finish, releases the job being run (its lease
   * expires at once, its status stays running, so another process or a restart takes it up)
   * and resolves.
   */
  stop(): Promise<void>;
  /** Claims and runs at most one job; true if it ran one. */
  runOnce(): Promise<boolean>;
}

const MAX_ERROR_LENGTH = 1000;
const PROGRESS_EVERY_MS = 10_000;

const DEFAULT_BACKOFF = { first: 100, most: 30_000 };

/** Thrown out of a retry loop when the runner stops while a step keeps meeting transient errors. */
class StoppedWhileRetrying extends Error {
  override name = "StoppedWhileRetrying";
}

export function createRunner(options: RunnerOptions): Runner {
  const { store, pollIntervalMs, batchSize, leaseMs } = options;
  const pacePerSecond = options.paceSessionsPerSecond ?? 0;
  // Paced jobs keep JOBS_BATCH_SIZE: a batch grown by time would pause longer than the lease allows.
  const batchTimeMs = pacePerSecond > 0 ? 0 : (options.batchTimeMs ?? 0);
  const clock = options.clock ?? Date.now;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const actions = options.actions ?? defaultActions;
  const logger = options.logger.child({ component: "runner", workerId });
  const backoff = options.retryBackoffMs ?? DEFAULT_BACKOFF;
  /** The n-th wait (1, 2, ...) after consecutive transient errors, with jitter so processes spread out. */
  const backoffMs = (n: number) => Math.min(backoff.most, backoff.first * 2 ** Math.min(n - 1, 30)) * (0.5 + Math.random() / 2);

  let stopping = false;
  let stopped: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  const inFlight = new Set<Promise<boolean>>();
  /** Ends every sleep at once (stop() calls them). */
  const wakers = new Set<() => void>();
  /** Consecutive transient failures of the loop's own calls (claiming), for its back-off. */
  let loopFailures = 0;

  /**
   * Runs `step` until it succeeds or throws a permanent error. A transient database error (see
   * transientFailure in the store) is logged and retried after a growing pause: a lock held by
   * another process, a failover or a lost connection must not end a deletion. The steps retried
   * are idempotent (a batch renews the lease and deletes what is left; finishing and releasing
   * are guarded updates). Gives up only when the runner stops.
   */
  async function retryingTransient<T>(what: string, log: Logger, step: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await step();
      } catch (error) {
        const reason = transientFailure(error);
        if (reason === undefined) throw error;
        if (stopping) throw new StoppedWhileRetrying(`${what}: ${reason}`, { cause: error });
        const waitMs = Math.round(backoffMs(failures));
        log.warn({ err: error, failures, retryInMs: waitMs }, `transient database error (${reason}) while ${what}; retrying`);
        await sleep(waitMs);
      }
    }
  }

  async function claimAndRun(): Promise<boolean> {
    const claim = await store.claimDueJob(clock(), leaseMs, workerId);
    if (claim === undefined) return false;
    if (stopping) {
      // stop() came while the claim was on its way: hand the job straight back.
      await store.releaseJob(claim);
      return false;
    }
    await runJob(claim);
    return true;
  }

  async function runJob(claim: ClaimedJob): Promise<void> {
    const { job, attempt } = claim;
    // No userId in the logs: it is personal data (often an e-mail address) of someone who asked
    // for it to be deleted. The job id leads to it for those allowed to look.
    const log = logger.child({ jobId: job.jobId, projectId: job.projectId, action: job.action, attempt });
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    log.info("job started");

    const action = Object.hasOwn(actions, job.action) ? actions[job.action] : undefined;
    if (action === undefined) {
      const errors = `This server has no action named "${job.action}", so the job cannot run.`;
      const finished = await store.finishJob(claim, { status: "failed", errors }, clock());
      log.error({ finished }, "job failed: unknown action");
      return;
    }

    let outcome: ActionOutcome;
    try {
      // A retry runs the action again on the same claim: it goes on with what is left. (`deleted`
      // in the log lines below then counts the last try only.)
      outcome = await retryingTransient("running the job", log, () =>
        action.run({
          store,
          claim,
          batchSize,
          batchTimeMs,
          leaseMs,
          now: clock,
          stopping: () => stopping,
          pace,
          logger: log,
          progressEveryMs: options.progressEveryMs ?? PROGRESS_EVERY_MS,
        }),
      );
    } catch (error) {
      if (error instanceof StoppedWhileRetrying) {
        // Not a failure of the job: hand it back (best effort; otherwise its lease runs out).
        await store.releaseJob(claim).catch(() => undefined);
        log.info({ durationMs: durationMs() }, "job released: the runner stopped while the database was unavailable");
        return;
      }
      const errors = failureMessage(action.title, error);
      log.error({ err: error, durationMs: durationMs() }, "job failed");
      const finished = await retryingTransient("marking the job failed", log, () =>
        store.finishJob(claim, { status: "failed", errors }, clock()),
      );
      if (!finished) log.warn("the failed job was no longer ours (cancelled or taken over): left as it is");
      return;
    }

    switch (outcome.kind) {
      case "done": {
        const finished = await retryingTransient("marking the job completed", log, () =>
          store.finishJob(claim, { status: "completed", errors: null }, clock()),
        );
        if (finished) log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job completed");
        else log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job done, but cancelled meanwhile: left cancelled");
        return;
      }
      case "lost":
        log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job stopped: cancelled, or taken over by another runner");
        return;
      case "interrupted":
        await store
          .releaseJob(claim)
          .catch((error: unknown) => log.warn({ err: error }, "could not release the job; its lease will run out"));
        log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job released: the runner is stopping");
        return;
    }
  }

  function runOnce(): Promise<boolean> {
    if (stopping) return Promise.resolve(false);
    const run = claimAndRun();
    inFlight.add(run);
    const forget = () => inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      // unref: a sleeping runner does not keep the process alive by itself.
      const timer = setTimeout(done, ms).unref();
      wakers.add(done);
    });
  }

  /** The pause after a batch of `deleted` sessions (paceSessionsPerSecond); none once stopping. */
  function pace(deleted: number): Promise<void> {
    if (pacePerSecond <= 0 || deleted <= 0 || stopping) return Promise.resolve();
    return sleep((deleted * 1000) / pacePerSecond);
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      let ran = false;
      let pauseMs = pollIntervalMs;
      try {
        ran = await runOnce();
        loopFailures = 0;
      } catch (error) {
        // Claiming failed: the database is unavailable or busy (back off, then try again), or a
        // bug. Never let the loop die: a job left running is taken up again when its lease ends.
        const reason = transientFailure(error);
        if (reason !== undefined) {
          pauseMs = Math.max(pollIntervalMs, Math.round(backoffMs(++loopFailures)));
          logger.warn({ err: error, retryInMs: pauseMs }, `transient database error (${reason}) while claiming a job; retrying`);
        } else {
          logger.error({ err: error }, "runner iteration failed; retrying after the poll interval");
        }
      }
      if (stopping) break;
      if (ran) await yieldToEventLoop();
      else await sleep(pauseMs);
    }
  }

  return {
    start() {
      if (loop !== undefined || stopping) return;
      logger.info({ pollIntervalMs, batchSize, batchTimeMs, leaseMs, paceSessionsPerSecond: pacePerSecond }, "runner started");
      loop = runLoop();
    },
    stop() {
      // Once: a shutdown asks twice (SIGTERM's drain stops the runner at once, the close again).
      return (stopped ??= (async () => {
        stopping = true;
        for (const wake of [...wakers]) wake();
        await loop;
        await Promise.allSettled([...inFlight]);
        if (loop !== undefined) logger.info("runner stopped");
      })());
    },
    runOnce,
  };
}

/** "<title> failed: <reason>", readable and bounded (no stack trace: that goes to the log). */
function failureMessage(title: string, error: unknown): string {
  const reason = (error instanceof Error ? error.message : String(error)).trim() || "an unknown error";
  const message = `${title} failed: ${reason}`;
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}
