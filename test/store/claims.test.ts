// The runner's store calls on every path a deletion batch takes: the deletion worker (a thread
// with a connection of its own: a SQLite file, PostgreSQL), and the store's own connection (an
// in-memory SQLite database, which no other connection can open). One transaction serves all
// (server/store/deletion-batch.ts).
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/index.js";
import type { ClaimedJob, Project, Store } from "../../server/store/types.js";
import { databases, queryRaw, seedTenant, type TestDatabase } from "../support/databases.js";
import { NOW, addSessions, jobData } from "../support/jobs.js";
import { countSessions, insertJob } from "../../server/store/fixtures.js";

const LEASE = 60_000;

const inMemory: TestDatabase & { label: string } = {
  name: "sqlite",
  label: "sqlite::memory: (in process)",
  url: async () => "sqlite::memory:",
};
const paths = [...databases.map((database) => ({ ...database, label: `${database.name} (the deletion worker)` })), inMemory];

describe.each(paths)("claims, leases and batches on $label", (database) => {
  let url: string;
  let store: Store;
  let project: Project;
  const extra: Store[] = [];
  beforeEach(async () => {
    url = await database.url();
    store = await openStore(url);
    await store.migrate();
    ({ project } = await seedTenant(store, "Acme"));
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((other) => other.close()));
    await store.close();
  });

  const schedule = (userId: string, startAt: number) => insertJob(store, jobData(project.projectId, "scheduled", userId, { startAt }));

  describe("claimDueJob", () => {
    it("does not claim a job before its startAt, and claims it at startAt", async () => {
      const job = await schedule("ana@example.com", NOW);
      expect(await store.claimDueJob(NOW - 1, LEASE, "w1")).toBeUndefined();
      const claim = await store.claimDueJob(NOW, LEASE, "w1");
      expect(claim).toEqual({
        job: { ...job, status: "running", updatedAt: NOW },
        userId: "ana@example.com",
        workerId: "w1",
        attempt: 1,
      });
      expect(await store.getJob(project.projectId, job.jobId)).toEqual(claim!.job);
    });

    it("never claims completed, failed or cancelled jobs", async () => {
      for (const status of ["completed", "failed", "cancelled"] as const) {
        await insertJob(store, jobData(project.projectId, status, `${status}@example.com`));
      }
      expect(await store.claimDueJob(NOW + LEASE * 10, LEASE, "w1")).toBeUndefined();
    });

    it("does not claim a running job while its lease lasts, and claims it once the lease expired", async () => {
      const job = await schedule("ana@example.com", NOW);
      const first = (await store.claimDueJob(NOW, LEASE, "crashed"))!;
      expect(await store.claimDueJob(NOW + LEASE - 1, LEASE, "w2")).toBeUndefined();
      const second = await store.claimDueJob(NOW + LEASE, LEASE, "w2");
      // Taken over: same status, so updatedAt still tells when it started running.
      expect(second).toMatchObject({ job: { jobId: job.jobId, status: "running", updatedAt: NOW }, workerId: "w2", attempt: 2 });
      // The first owner has lost it: its batches and its finish are refused.
      expect(await store.deleteSessionsBatch(first, 100, NOW + LEASE + 1, LEASE)).toEqual({ deleted: 0, stillOwned: false });
      expect(await store.finishJob(first, { status: "completed", errors: null }, NOW + LEASE + 1)).toBe(false);
      expect(await store.finishJob(second!, { status: "completed", errors: null }, NOW + LEASE + 2)).toBe(true);
    });

    it("claims a job inserted as running (no live owner) at once", async () => {
      const job = await insertJob(store, jobData(project.projectId, "running", "mehdi@example.com"));
      expect((await store.claimDueJob(NOW, LEASE, "w1"))?.job.jobId).toBe(job.jobId);
    });

    it("claims each due job once, then nothing", async () => {
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await schedule(`u${i}@example.com`, NOW)).jobId);
      const claimed = [];
      for (let claim = await store.claimDueJob(NOW, LEASE, "w1"); claim; claim = await store.claimDueJob(NOW, LEASE, "w1")) {
        claimed.push(claim.job.jobId);
      }
      expect(claimed.sort()).toEqual(ids.sort());
    });

    // Two stores on one in-memory database cannot be: each opens its own.
    it.skipIf(database === inMemory)(
      "two stores claiming at once never claim the same job (5 rounds of 24 claims for 12 jobs)",
      async () => {
        // Two Store instances: two connection pools on PostgreSQL, two connections on SQLite,
        // as two server processes would have. A race shows only sometimes: hence several rounds.
        const second = await openStore(url);
        extra.push(second);
        // Open the pools' connections first, so that the claims below really run at once.
        await Promise.all(Array.from({ length: 20 }, (_, i) => countSessions(i % 2 ? store : second, project.projectId)));
        for (let round = 0; round < 5; round++) {
          const ids = new Set<number>();
          for (let i = 0; i < 12; i++) ids.add((await schedule(`r${round}u${i}@example.com`, NOW)).jobId);
          const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? store : second).claimDueJob(NOW, LEASE, `w${i}`)));
          const claimed = burst.filter((claim): claim is ClaimedJob => claim !== undefined).map((claim) => claim.job.jobId);
          // What a claimer skipped (locked by another at that moment) is still there to claim.
          for (let claim = await second.claimDueJob(NOW, LEASE, "late"); claim; claim = await second.claimDueJob(NOW, LEASE, "late")) {
            claimed.push(claim.job.jobId);
          }
          expect(claimed.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
        }
      },
    );
  });

  describe("deleteSessionsBatch", () => {
    it("deletes at most batchSize of the user's sessions in the job's project, nothing else", async () => {
      const { project: other } = await seedTenant(store, "Globex");
      await addSessions(store, project.projectId, "ana@example.com", 250);
      await addSessions(store, project.projectId, "li@example.com", 40);
      await store.importSessions(
        (async function* () {
          yield [{ sessionId: "ana-elsewhere", projectId: other.projectId, userId: "ana@example.com", startedAt: NOW }];
        })(),
      );
      await schedule("ana@example.com", NOW);
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      expect(await store.deleteSessionsBatch(claim, 100, NOW, LEASE)).toMatchObject({ deleted: 100, stillOwned: true });
      expect(await countSessions(store, project.projectId, "ana@example.com")).toBe(150);
      expect(await store.deleteSessionsBatch(claim, 100, NOW, LEASE)).toMatchObject({ deleted: 100, stillOwned: true });
      expect(await store.deleteSessionsBatch(claim, 100, NOW, LEASE)).toMatchObject({ deleted: 50, stillOwned: true });
      expect(await store.deleteSessionsBatch(claim, 100, NOW, LEASE)).toMatchObject({ deleted: 0, stillOwned: true });
      expect(await countSessions(store, project.projectId, "ana@example.com")).toBe(0);
      expect(await countSessions(store, project.projectId, "li@example.com")).toBe(40);
      expect(await countSessions(store, other.projectId, "ana@example.com")).toBe(1);
      expect(await countSessions(store, project.projectId)).toBe(40);
    });

    it("renews the lease: another runner cannot claim the job when the first lease would have expired", async () => {
      await schedule("ana@example.com", NOW);
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      await store.deleteSessionsBatch(claim, 100, NOW + LEASE - 10, LEASE);
      expect(await store.claimDueJob(NOW + LEASE, LEASE, "w2")).toBeUndefined();
      expect(await store.claimDueJob(NOW + 2 * LEASE - 10, LEASE, "w2")).toMatchObject({ attempt: 2 });
    });

    it("after a cancel, a batch deletes nothing and says the job is no longer owned", async () => {
      await addSessions(store, project.projectId, "ana@example.com", 30);
      const job = await schedule("ana@example.com", NOW);
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      expect((await store.cancelJob(project.projectId, job.jobId, NOW + 1)).outcome).toBe("cancelled");
      expect(await store.deleteSessionsBatch(claim, 100, NOW + 2, LEASE)).toEqual({ deleted: 0, stillOwned: false });
      expect(await countSessions(store, project.projectId, "ana@example.com")).toBe(30);
    });
  });

  describe("finishJob and releaseJob", () => {
    it("finishJob marks the owned running job completed or failed, with updatedAt = now", async () => {
      const a = await schedule("ana@example.com", NOW);
      const b = await schedule("li@example.com", NOW);
      const first = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      const second = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      expect(await store.finishJob(first, { status: "completed", errors: null }, NOW + 7)).toBe(true);
      expect(await store.finishJob(second, { status: "failed", errors: "it broke" }, NOW + 8)).toBe(true);
      const jobs = await store.listJobs(project.projectId, {});
      const byId = new Map(jobs.map((job) => [job.jobId, job]));
      const done = byId.get(first.job.jobId)!;
      const failed = byId.get(second.job.jobId)!;
      expect([a.jobId, b.jobId].sort()).toEqual([done.jobId, failed.jobId].sort());
      expect(done).toMatchObject({ status: "completed", errors: null, updatedAt: NOW + 7 });
      expect(failed).toMatchObject({ status: "failed", errors: "it broke", updatedAt: NOW + 8 });
      // Finished jobs are never claimed again, even long after.
      expect(await store.claimDueJob(NOW + 100 * LEASE, LEASE, "w2")).toBeUndefined();
    });

    it("finishJob never overwrites a cancel", async () => {
      const job = await schedule("ana@example.com", NOW);
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      await store.cancelJob(project.projectId, job.jobId, NOW + 1);
      expect(await store.finishJob(claim, { status: "completed", errors: null }, NOW + 2)).toBe(false);
      expect(await store.finishJob(claim, { status: "failed", errors: "x" }, NOW + 2)).toBe(false);
      expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "cancelled", updatedAt: NOW + 1 });
    });

    it("releaseJob expires the lease at once: the job stays running and another runner claims it now", async () => {
      const job = await schedule("ana@example.com", NOW);
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      await store.releaseJob(claim);
      expect(await store.getJob(project.projectId, job.jobId)).toMatchObject({ status: "running" });
      expect(await store.claimDueJob(NOW + 1, LEASE, "w2")).toMatchObject({ job: { jobId: job.jobId }, workerId: "w2", attempt: 2 });
    });

    it("releaseJob by a runner that no longer owns the job changes nothing", async () => {
      await schedule("ana@example.com", NOW);
      const stale = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      const current = (await store.claimDueJob(NOW + LEASE, LEASE, "w2"))!;
      await store.releaseJob(stale);
      expect(await store.claimDueJob(NOW + LEASE + 1, LEASE, "w3")).toBeUndefined();
      expect(await store.finishJob(current, { status: "completed", errors: null }, NOW + LEASE + 2)).toBe(true);
    });
  });
});

describe("the deletion worker's connection", () => {
  it("SQLite: waits for another connection's write lock as long as SQLITE_BUSY_TIMEOUT says (not a fixed 5 s)", async () => {
    const url = await databases[0]!.url();
    const store = await openStore(url, { sqliteBusyTimeoutMs: 1 });
    const other = new BetterSqlite3(url.slice("sqlite:".length));
    try {
      await store.migrate();
      const { project } = await seedTenant(store, "Locked");
      await addSessions(store, project.projectId, "ana@example.com", 20);
      await insertJob(store, jobData(project.projectId, "scheduled", "ana@example.com", { startAt: NOW }));
      const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
      // The worker is started (and its connection open) by the first batch.
      expect(await store.deleteSessionsBatch(claim, 10, NOW, LEASE)).toMatchObject({ deleted: 10, stillOwned: true });

      other.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      const failure = await store.deleteSessionsBatch(claim, 10, NOW, LEASE).catch((error: unknown) => error);
      const waited = performance.now() - started;
      expect(failure).toMatchObject({ name: "StoreError", code: "busy" });
      // 1 ms configured; a connection that ignored it waits its own 5 s. Generous for a busy machine.
      expect(waited).toBeLessThan(4_000);
      other.exec("ROLLBACK");

      expect(await store.deleteSessionsBatch(claim, 10, NOW, LEASE)).toMatchObject({ deleted: 10, stillOwned: true });
      expect(await countSessions(store, project.projectId, "ana@example.com")).toBe(0);
    } finally {
      if (other.inTransaction) other.exec("ROLLBACK");
      other.close();
      await store.close();
    }
  });

  it.skipIf(!databases.some((database) => database.name === "postgres"))(
    "PostgreSQL: the batches run on the deletion worker's own connection",
    async () => {
      const url = await databases.find((database) => database.name === "postgres")!.url();
      const store = await openStore(url);
      try {
        await store.migrate();
        const { project } = await seedTenant(store, "Worker");
        await addSessions(store, project.projectId, "ana@example.com", 5);
        await insertJob(store, jobData(project.projectId, "scheduled", "ana@example.com", { startAt: NOW }));
        const claim = (await store.claimDueJob(NOW, LEASE, "w1"))!;
        expect(await store.deleteSessionsBatch(claim, 10, NOW, LEASE)).toMatchObject({ deleted: 5, stillOwned: true });
        const database = new URL(url).pathname.slice(1);
        const rows = await queryRaw(
          url,
          `select pid from pg_stat_activity where datname = '${database}' and application_name = 'jobs-api deletion worker'`,
        );
        expect(rows.length).toBe(1);
      } finally {
        await store.close();
      }
    },
  );
});
