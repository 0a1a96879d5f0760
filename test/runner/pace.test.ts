// JOBS_PACE: the runner pauses after each batch so a deletion deletes at most N sessions per
// second (the sandbox uses it so that `running` lasts long enough to be seen), and a stopping
// runner does not wait for a pause to end.
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRunner, type Runner, type RunnerOptions } from "../../server/runner/runner.js";
import type { Project, Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, addSessions } from "../support/jobs.js";
import { countSessions } from "../../server/store/fixtures.js";

const USER = "ana@example.com";

describe.each(databases)("a paced runner on $name", (database) => {
  let store: Store;
  let project: Project;
  const runners: Runner[] = [];
  beforeEach(async () => {
    store = await openMigratedStore(database);
    ({ project } = await seedTenant(store, "Acme"));
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await store.close();
  });

  function runner(options: Partial<RunnerOptions>): Runner {
    const created = createRunner({
      store,
      logger: pino({ level: "silent" }),
      pollIntervalMs: 10,
      batchSize: 10,
      leaseMs: 60_000,
      clock: () => NOW + 5000,
      ...options,
    });
    runners.push(created);
    return created;
  }

  it("deletes at most JOBS_PACE sessions a second: 30 sessions at 20/s take at least 1.5 s", async () => {
    await addSessions(store, project.projectId, USER, 30);
    const job = (await store.scheduleUserDeletion(project.projectId, USER, NOW, NOW)).job;
    const started = performance.now();
    expect(await runner({ paceSessionsPerSecond: 20 }).runOnce()).toBe(true);
    // Three batches of 10, each followed by a 0.5 s pause (a lower bound: never faster than the pace).
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500 - 50);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("completed");
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
  });

  it("stop() ends a pause at once: the job is released, running, with the rest of its sessions", async () => {
    await addSessions(store, project.projectId, USER, 150);
    const job = (await store.scheduleUserDeletion(project.projectId, USER, NOW, NOW)).job;
    // A batch of 100 at 1 session/s: a 100 s pause after the first batch (the lease must outlast it).
    const jobs = runner({ batchSize: 100, paceSessionsPerSecond: 1, leaseMs: 300_000 });
    jobs.start();
    await expect.poll(() => countSessions(store, project.projectId, USER), { timeout: 60_000, interval: 20 }).toBe(50);

    const stopping = performance.now();
    await jobs.stop();
    // Far below the 100 s pause: stop() did not wait for it.
    expect(performance.now() - stopping).toBeLessThan(50_000);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("running");
    expect(await countSessions(store, project.projectId, USER)).toBe(50);
    // Released: another runner (or a restart) claims it at once and finishes it.
    expect(await runner({ paceSessionsPerSecond: 0 }).runOnce()).toBe(true);
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("completed");
  });
});
