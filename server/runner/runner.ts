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
import { actions as defaultActions, yieldToEventLoop, type Action } from "./actions.js";

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
  /** Now, in epoch ms (tests inject one). Defaults to Date.now. */
  clock?: () => number;
  /** This runner's identity as a lease owner; unique per process by default. */
  workerId?: string;
  /** The action table (tests may add or replace actions). */
  actions?: Readonly<Record<string, Action>>;
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

export function createRunner(options: RunnerOptions): Runner {
  const { store, pollIntervalMs, batchSize, leaseMs } = options;
  const batchTimeMs = options.batchTimeMs ?? 0;
  const clock = options.clock ?? Date.now;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const actions = options.actions ?? defaultActions;
  const logger = options.logger.child({ component: "runner", workerId });

  let stopping = false;
  let loop: Promise<void> | undefined;
  const inFlight = new Set<Promise<boolean>>();
  let wake: (() => void) | undefined;

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

    let outcome;
    try {
      outcome = await action.run({
        store,
        claim,
        batchSize,
        batchTimeMs,
        leaseMs,
        now: clock,
        stopping: () => stopping,
        logger: log,
      });
    } catch (error) {
      const errors = failureMessage(action.title, error);
      log.error({ err: error, durationMs: durationMs() }, "job failed");
      const finished = await store.finishJob(claim, { status: "failed", errors }, clock());
      if (!finished) log.warn("the failed job was no longer ours (cancelled or taken over): left as it is");
      return;
    }

    switch (outcome.kind) {
      case "done": {
        const finished = await store.finishJob(claim, { status: "completed", errors: null }, clock());
        if (finished) log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job completed");
        else log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job done, but cancelled meanwhile: left cancelled");
        return;
      }
      case "lost":
        log.info({ deleted: outcome.deleted, durationMs: durationMs() }, "job stopped: cancelled, or taken over by another runner");
        return;
      case "interrupted":
        await store.releaseJob(claim);
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
        wake = undefined;
        resolve();
      };
      // unref: a sleeping runner does not keep the process alive by itself.
      const timer = setTimeout(done, ms).unref();
      wake = done;
    });
  }

  async function runLoop(): Promise<void> {
    while (!stopping) {
      let ran = false;
      try {
        ran = await runOnce();
      } catch (error) {
        // The database is unavailable, or a job's final update failed (its lease then runs
        // out and the job is taken up again). Never let the loop die: retry after a pause.
        logger.error({ err: error }, "runner iteration failed; retrying after the poll interval");
      }
      if (stopping) break;
      if (ran) await yieldToEventLoop();
      else await sleep(pollIntervalMs);
    }
  }

  return {
    start() {
      if (loop !== undefined || stopping) return;
      logger.info({ pollIntervalMs, batchSize, batchTimeMs, leaseMs }, "runner started");
      loop = runLoop();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await Promise.allSettled([...inFlight]);
      if (loop !== undefined) logger.info("runner stopped");
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
