// A deletion job meets a transient database condition (another process holds SQLite's write lock
// longer than busy_timeout; on PostgreSQL a serialization failure, a deadlock, a lost connection):
// the job must not end `failed`. The runner backs off and goes on, and the job ends `completed`
// with every session deleted. Only a permanent error fails a job.
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createRunner, type Runner } from "../../server/runner/runner.js";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, addSessions } from "../support/jobs.js";
import { recordingLogger } from "../support/logs.js";
import { withOverrides } from "../support/store-overrides.js";
import { waitFor } from "../reliability/support.js";
import { countSessions } from "../../server/store/fixtures.js";

const USER = "erase-me@example.com";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startRunner(store: Store, logger = recordingLogger().logger): Runner {
  const runner = createRunner({ store, logger, pollIntervalMs: 10, batchSize: 100, leaseMs: 60_000, clock: () => NOW });
  cleanups.push(() => runner.stop());
  runner.start();
  return runner;
}

describe("SQLite: another connection holds the write lock longer than busy_timeout during a deletion", () => {
  it("the job is not failed: once the lock is released it ends completed with all sessions deleted", async () => {
    const url = (await databases[0]!.url()).slice("sqlite:".length);
    // A short busy_timeout, so a batch meets SQLITE_BUSY at once instead of after 5 s.
    const store = await openStore(`sqlite:${url}`, { sqliteBusyTimeoutMs: 50 });
    cleanups.push(() => store.close());
    await store.migrate();
    const { project } = await seedTenant(store, "Locked");
    await addSessions(store, project.projectId, USER, 1000);
    const { job } = await store.scheduleUserDeletion(project.projectId, USER, NOW - 1000, NOW);

    // What `jobs-api sessions import` does in another process: BEGIN IMMEDIATE, then a long write.
    const other = new BetterSqlite3(url);
    cleanups.push(() => {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
    });
    // The lock is taken right after the first batch, so the deletion is under way when it meets it.
    let batches = 0;
    const locking = withOverrides(store, {
      deleteSessionsBatch: async (...args) => {
        const result = await store.deleteSessionsBatch(...args);
        if (++batches === 1) other.exec("BEGIN IMMEDIATE");
        return result;
      },
    });
    const logs = recordingLogger();
    startRunner(locking, logs.logger);

    // The runner has met the lock (and said so), and the job is not failed.
    await waitFor("the runner to meet the lock", async () =>
      logs.records.some((record) => record.msg?.includes("transient") && record.jobId === job.jobId) ? true : undefined,
    );
    expect((await store.getJob(project.projectId, job.jobId))?.status).toBe("running");
    other.exec("ROLLBACK");

    const finished = await waitFor("the job to end", async () => {
      const current = await store.getJob(project.projectId, job.jobId);
      return current?.status === "running" ? undefined : current;
    });
    expect(finished).toMatchObject({ status: "completed", errors: null });
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
    expect(logs.records.filter((record) => record.msg === "job failed")).toEqual([]);
  });
});

describe.each(databases)("the runner on $name, faced with transient and permanent errors", (database) => {
  const faults: Array<[string, () => Error]> = [
    ["SQLITE_BUSY", () => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" })],
    ["a PostgreSQL serialization failure (40001)", () => Object.assign(new Error("could not serialize access"), { code: "40001" })],
    ["a PostgreSQL deadlock (40P01)", () => Object.assign(new Error("deadlock detected"), { code: "40P01" })],
    [
      "PostgreSQL shutting down (57P01)",
      () => Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    ],
    ["a reset connection (ECONNRESET)", () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })],
    ["a connection that ended (pg, no code)", () => new Error("Connection terminated unexpectedly")],
  ];

  it.each(faults)("%s in a batch: retried, and the job ends completed", async (_name, fault) => {
    const store = await openMigratedStore(database);
    cleanups.push(() => store.close());
    const { project } = await seedTenant(store, "Flaky");
    await addSessions(store, project.projectId, USER, 250);
    const { job } = await store.scheduleUserDeletion(project.projectId, USER, NOW - 1000, NOW);
    let calls = 0;
    const flaky = withOverrides(store, {
      // Batches 2 and 3 fail; the others go through.
      deleteSessionsBatch: async (...args) => {
        calls++;
        if (calls === 2 || calls === 3) throw fault();
        return store.deleteSessionsBatch(...args);
      },
    });
    startRunner(flaky);
    const finished = await waitFor("the job to end", async () => {
      const current = await store.getJob(project.projectId, job.jobId);
      return current?.status === "running" || current?.status === "scheduled" ? undefined : current;
    });
    expect(finished).toMatchObject({ status: "completed", errors: null });
    expect(await countSessions(store, project.projectId, USER)).toBe(0);
  });

  it("a transient error when the job is finished is retried too: the job ends completed", async () => {
    const store = await openMigratedStore(database);
    cleanups.push(() => store.close());
    const { project } = await seedTenant(store, "Flaky end");
    await addSessions(store, project.projectId, USER, 10);
    const { job } = await store.scheduleUserDeletion(project.projectId, USER, NOW - 1000, NOW);
    let calls = 0;
    const flaky = withOverrides(store, {
      finishJob: async (...args) => {
        if (++calls === 1) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
        return store.finishJob(...args);
      },
    });
    startRunner(flaky);
    const finished = await waitFor("the job to end", async () => {
      const current = await store.getJob(project.projectId, job.jobId);
      return current?.status === "completed" ? current : undefined;
    });
    expect(finished.errors).toBeNull();
  });

  it("a runner stopped while the database stays unavailable hands the job back instead of failing it", async () => {
    const store = await openMigratedStore(database);
    cleanups.push(() => store.close());
    const { project } = await seedTenant(store, "Down");
    await addSessions(store, project.projectId, USER, 10);
    const { job } = await store.scheduleUserDeletion(project.projectId, USER, NOW - 1000, NOW);
    const down = withOverrides(store, {
      deleteSessionsBatch: async () => {
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      },
    });
    const logs = recordingLogger();
    const runner = startRunner(down, logs.logger);
    await waitFor("a retry", async () => (logs.records.some((record) => record.failures === 2) ? true : undefined));
    await runner.stop();
    expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "running", errors: null });
    // Released: another runner may take it up at once, without waiting for the lease to run out.
    const claim = await store.claimDueJob(NOW, 60_000, "another runner");
    expect(claim?.job.jobId).toBe(job.jobId);
  });

  it("a permanent error (a constraint violation, a bug) still fails the job with its message", async () => {
    const store = await openMigratedStore(database);
    cleanups.push(() => store.close());
    const { project } = await seedTenant(store, "Broken");
    await addSessions(store, project.projectId, USER, 10);
    const { job } = await store.scheduleUserDeletion(project.projectId, USER, NOW - 1000, NOW);
    const broken = withOverrides(store, {
      deleteSessionsBatch: async () => {
        throw Object.assign(new Error("no such column: user_id"), { code: "SQLITE_ERROR" });
      },
    });
    startRunner(broken);
    const finished = await waitFor("the job to end", async () => {
      const current = await store.getJob(project.projectId, job.jobId);
      return current?.status === "failed" ? current : undefined;
    });
    expect(finished.errors).toBe("Deleting the user's sessions failed: no such column: user_id");
  });
});
