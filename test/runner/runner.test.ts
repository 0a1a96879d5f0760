import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRunner, type Runner, type RunnerOptions } from "../../server/runner/runner.js";
import type { ClaimedJob, Project, Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, addSessions, jobData } from "../support/jobs.js";
import { countSessions, insertJob } from "../../server/store/fixtures.js";

const LEASE = 60_000;
const USER = "ana@example.com";

/** A pino logger that keeps its records, so tests can read what was logged. */
function recordingLogger() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), records };
}

/** The store with some calls replaced (a fault, a cancel at the right moment). */
function withOverrides(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Store];
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe.each(databases)("the job runner on $name", (database) => {
  let store: Store;
  let project: Project;
  let clock: { now: number };
  const runners: Runner[] = [];
  beforeEach(async () => {
    store = await openMigratedStore(database);
    ({ project } = await seedTenant(store, "Acme"));
    clock = { now: NOW };
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await store.close();
  });

  function runner(options: Partial<RunnerOptions> = {}): Runner {
    const created = createRunner({
      store,
      logger: pino({ level: "silent" }),
      pollIntervalMs: 10,
      batchSize: 1000,
      leaseMs: LEASE,
      clock: () => clock.now,
      ...options,
    });
    runners.push(created);
    return created;
  }

  async function scheduleDeletion(userId = USER) {
    return (await store.scheduleUserDeletion(project.projectId, userId, NOW - 1000, NOW)).job;
  }

  it("deletes all 2,500 sessions of the user in batches of 1,000, and marks the job completed", async () => {
    const { project: other } = await seedTenant(store, "Globex");
    await addSessions(store, project.projectId, USER, 2500);
    await addSessions(store, project.projectId, "li@example.com", 300);
    await addSessions(store, other.projectId, USER, 120);
    const job = await scheduleDeletion();
    const batches: number[] = [];
    const counting = withOverrides(store, {
      deleteSessionsBatch: async (...args) => {
        const result = await store.deleteSessionsBatch(...args);
        batches.push(result.deleted);
        return result;
      },
    });

    clock.now = NOW + 5000;
    expect(await runner({ store: counting }).runOnce()).toBe(true);

    expect(batches).toEqual([1000, 1000, 500, 0]);
    expect(await store.getJob(project.projectId, job.jobId)).toEqual({
      ...job,
      status: "completed",
      errors: null,
      updatedAt: NOW + 5000,
    });
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
    expect(await countSessions(store, project.projectId, "li@example.com")).toBe(300);
    expect(await countSessions(store, other.projectId, USER)).toBe(120);
  });

  it("with a batch time, batches double while they are quick (from JOBS_BATCH_SIZE) and stay whole transactions", async () => {
    await addSessions(store, project.projectId, USER, 2500);
    const job = await scheduleDeletion();
    const sizes: number[] = [];
    const batches: number[] = [];
    const counting = withOverrides(store, {
      deleteSessionsBatch: async (claim, size, ...rest) => {
        sizes.push(size);
        const result = await store.deleteSessionsBatch(claim, size, ...rest);
        batches.push(result.deleted);
        return result;
      },
    });
    clock.now = NOW + 5000;
    // A minute per batch: every batch is "quick", whatever the machine.
    expect(await runner({ store: counting, batchSize: 100, batchTimeMs: 60_000 }).runOnce()).toBe(true);
    expect(sizes).toEqual([100, 200, 400, 800, 1600, 1600]); // a batch that was not full does not grow
    expect(batches).toEqual([100, 200, 400, 800, 1000, 0]);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("completed");
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
  });

  it("with a batch time every batch overruns, batches stay at JOBS_BATCH_SIZE (never smaller)", async () => {
    await addSessions(store, project.projectId, USER, 450);
    await scheduleDeletion();
    const sizes: number[] = [];
    const counting = withOverrides(store, {
      deleteSessionsBatch: async (claim, size, ...rest) => {
        sizes.push(size);
        return store.deleteSessionsBatch(claim, size, ...rest);
      },
    });
    clock.now = NOW + 5000;
    // A nanosecond per batch: every batch overruns, whatever the machine.
    expect(await runner({ store: counting, batchSize: 100, batchTimeMs: 1e-6 }).runOnce()).toBe(true);
    expect(sizes).toEqual([100, 100, 100, 100, 100, 100]);
  });

  it("with a batch time, batches are sized by the time the store says a batch held its locks, when it says so", async () => {
    await addSessions(store, project.projectId, USER, 700);
    await scheduleDeletion();
    const sizes: number[] = [];
    const reporting = withOverrides(store, {
      deleteSessionsBatch: async (claim, size, ...rest) => {
        sizes.push(size);
        // A batch that held its locks for no time at all, however long the call took.
        return { ...(await store.deleteSessionsBatch(claim, size, ...rest)), ms: 0 };
      },
    });
    clock.now = NOW + 5000;
    expect(await runner({ store: reporting, batchSize: 100, batchTimeMs: 1e-6 }).runOnce()).toBe(true);
    expect(sizes).toEqual([100, 200, 400, 800]);
  });

  it("runs nothing before the job's startAt, and runs it once it is due", async () => {
    const job = (await store.scheduleUserDeletion(project.projectId, USER, NOW, NOW + 3_600_000)).job;
    const jobs = runner();
    expect(await jobs.runOnce()).toBe(false);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("scheduled");
    clock.now = NOW + 3_600_000;
    expect(await jobs.runOnce()).toBe(true);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("completed");
    expect(await jobs.runOnce()).toBe(false);
  });

  it("a cancel between two batches stops the deletion and the job stays cancelled", async () => {
    await addSessions(store, project.projectId, USER, 2500);
    const job = await scheduleDeletion();
    let claim: ClaimedJob | undefined;
    let batches = 0;
    const cancelling = withOverrides(store, {
      deleteSessionsBatch: async (claimed, ...rest) => {
        claim = claimed;
        const result = await store.deleteSessionsBatch(claimed, ...rest);
        // A user's DELETE /jobs/{id} lands right after the first batch.
        if (++batches === 1) expect((await store.cancelJob(project.projectId, job.jobId, NOW + 1)).outcome).toBe("cancelled");
        return result;
      },
    });

    expect(await runner({ store: cancelling }).runOnce()).toBe(true);

    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "cancelled", updatedAt: NOW + 1 });
    expect(await countSessions(store, project.projectId, USER)).toBe(1500);
    expect(await store.finishJob(claim!, { status: "completed", errors: null }, NOW + 2)).toBe(false);
    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "cancelled" });
  });

  it("a job whose runner died is taken up once its lease expired, and finished", async () => {
    await addSessions(store, project.projectId, USER, 1200);
    const job = await scheduleDeletion();
    // A process claims the job, deletes one batch, and dies.
    const dead = (await store.claimDueJob(NOW, LEASE, "dead-process"))!;
    expect(await store.deleteSessionsBatch(dead, 1000, NOW, LEASE)).toMatchObject({ deleted: 1000, stillOwned: true });

    const { logger, records } = recordingLogger();
    const survivor = runner({ logger, workerId: "survivor" });
    clock.now = NOW + LEASE - 1;
    expect(await survivor.runOnce()).toBe(false); // the lease still holds
    clock.now = NOW + LEASE;
    expect(await survivor.runOnce()).toBe(true);

    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "completed", errors: null });
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
    expect(records).toContainEqual(expect.objectContaining({ msg: "job started", jobId: job.jobId, attempt: 2 }));
    expect(records).toContainEqual(expect.objectContaining({ msg: "job completed", jobId: job.jobId, deleted: 200 }));
    // The dead process's claim is worth nothing now.
    expect(await store.finishJob(dead, { status: "failed", errors: "late" }, NOW + LEASE + 1)).toBe(false);
  });

  it("an action that throws marks the job failed with a readable message, and the runner goes on", async () => {
    await addSessions(store, project.projectId, USER, 10);
    await addSessions(store, project.projectId, "li@example.com", 10);
    const broken = await scheduleDeletion(USER);
    const fine = await scheduleDeletion("li@example.com");
    const faulty = withOverrides(store, {
      deleteSessionsBatch: async (claim, ...rest) => {
        if (claim.userId === USER) throw new Error("disk I/O error");
        return store.deleteSessionsBatch(claim, ...rest);
      },
    });
    const { logger, records } = recordingLogger();
    const jobs = runner({ store: faulty, logger });
    expect(await jobs.runOnce()).toBe(true);
    expect(await jobs.runOnce()).toBe(true);

    expect(await store.getJob(project.projectId, broken.jobId)).toMatchObject({
      status: "failed",
      errors: "Deleting the user's sessions failed: disk I/O error",
    });
    expect(await store.getJob(project.projectId, fine.jobId)).toMatchObject({ status: "completed", errors: null });
    expect(records).toContainEqual(
      expect.objectContaining({ msg: "job failed", jobId: broken.jobId, err: expect.objectContaining({ message: "disk I/O error" }) }),
    );
  });

  it("a job with an action this server does not know fails with a message naming it", async () => {
    const job = await insertJob(store, jobData(project.projectId, "scheduled", USER, { action: "export_user_data" as "delete_user_data" }));
    expect(await runner().runOnce()).toBe(true);
    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({
      status: "failed",
      errors: 'This server has no action named "export_user_data", so the job cannot run.',
    });
  });

  it("an action from the table runs with the claimed job: a new action is one entry", async () => {
    const job = await scheduleDeletion();
    const seen: number[] = [];
    const jobs = runner({
      actions: {
        delete_user_data: {
          title: "Pretending",
          run: async ({ claim }) => {
            seen.push(claim.job.jobId);
            return { kind: "done", deleted: 0 };
          },
        },
      },
    });
    expect(await jobs.runOnce()).toBe(true);
    expect(seen).toEqual([job.jobId]);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("completed");
  });

  it("started, it runs due jobs by itself and survives a failing one", async () => {
    await addSessions(store, project.projectId, USER, 50);
    await addSessions(store, project.projectId, "li@example.com", 50);
    const broken = await scheduleDeletion(USER);
    const fine = await scheduleDeletion("li@example.com");
    let failedOnce = false;
    const flaky = withOverrides(store, {
      claimDueJob: async (...args) => {
        // The database is unreachable for one poll: the loop must log it and keep going.
        if (!failedOnce) {
          failedOnce = true;
          throw new Error("connection refused");
        }
        return store.claimDueJob(...args);
      },
      deleteSessionsBatch: async (claim, ...rest) => {
        if (claim.userId === USER) throw new Error("boom");
        return store.deleteSessionsBatch(claim, ...rest);
      },
    });
    runner({ store: flaky }).start();
    await vi.waitFor(
      async () => {
        expect((await store.getJob(project.projectId, fine.jobId))?.status).toBe("completed");
        expect((await store.getJob(project.projectId, broken.jobId))?.status).toBe("failed");
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(await countSessions(store, project.projectId, "li@example.com")).toBe(0);
  });

  it("stop() lets the batch in flight finish and releases the job, which another runner then finishes", async () => {
    await addSessions(store, project.projectId, USER, 2500);
    const job = await scheduleDeletion();
    let stopping: Promise<void> | undefined;
    let jobs: Runner | undefined = undefined;
    const stopAfterFirstBatch = withOverrides(store, {
      deleteSessionsBatch: async (...args) => {
        const result = await store.deleteSessionsBatch(...args);
        stopping ??= jobs!.stop(); // e.g. SIGTERM arrives during the first batch
        return result;
      },
    });
    jobs = runner({ store: stopAfterFirstBatch, workerId: "stopping" });
    expect(await jobs.runOnce()).toBe(true);
    await stopping;

    expect(await countSessions(store, project.projectId, USER)).toBe(1500);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("running");
    expect(await jobs.runOnce()).toBe(false); // a stopped runner claims nothing
    // Released: claimable at once, without waiting for the lease to run out.
    const next = runner({ workerId: "next" });
    expect(await next.runOnce()).toBe(true);
    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "completed", errors: null });
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
  });

  it("stop() of a sleeping runner resolves without waiting for the poll interval", async () => {
    let polls = 0;
    const counting = withOverrides(store, {
      claimDueJob: async (...args) => {
        const claim = await store.claimDueJob(...args);
        polls++;
        return claim;
      },
    });
    const jobs = runner({ store: counting, pollIntervalMs: 3_600_000 });
    jobs.start();
    await vi.waitFor(() => expect(polls).toBe(1)); // it found nothing due...
    await new Promise((resolve) => setImmediate(resolve)); // ...and went to sleep for an hour
    await jobs.stop(); // would hang (test timeout) if the sleep were not interrupted
    expect(await jobs.runOnce()).toBe(false);
  });

  it("stop() called twice, as a shutdown does (the drain, then the close), stops once and logs it once", async () => {
    const { logger, records } = recordingLogger();
    const jobs = runner({ logger });
    jobs.start();
    await Promise.all([jobs.stop(), jobs.stop()]);
    await jobs.stop();
    expect(records.filter((r) => r.msg === "runner stopped")).toHaveLength(1);
  });

  it("the logs name the job but never the user whose data is deleted", async () => {
    await addSessions(store, project.projectId, USER, 5);
    const job = await scheduleDeletion();
    const { logger, records } = recordingLogger();
    await runner({ logger }).runOnce();
    expect(records).toContainEqual(expect.objectContaining({ msg: "job completed", jobId: job.jobId, attempt: 1, deleted: 5 }));
    expect(JSON.stringify(records)).not.toContain(USER);
  });

  it("a long deletion logs its progress (sessions deleted, batches) at most every progressEveryMs of the clock", async () => {
    await addSessions(store, project.projectId, USER, 35);
    const job = await scheduleDeletion();
    const { logger, records } = recordingLogger();
    // Every batch moves the clock 4 s: with a report every 10 s, one batch in three reports.
    const ticking = withOverrides(store, {
      deleteSessionsBatch: async (...args) => {
        clock.now += 4000;
        return store.deleteSessionsBatch(...args);
      },
    });
    await runner({ store: ticking, logger, batchSize: 5, progressEveryMs: 10_000 }).runOnce();
    const progress = records.filter((r) => r.msg === "job progress");
    expect(progress.map((r) => [r.deleted, r.batches])).toEqual([
      [15, 3],
      [30, 6],
    ]);
    for (const line of progress) expect(line).toMatchObject({ jobId: job.jobId, component: "runner" });
    expect(JSON.stringify(progress)).not.toContain(USER);
    expect(records).toContainEqual(expect.objectContaining({ msg: "job completed", deleted: 35 }));
  });
});
