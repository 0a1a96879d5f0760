// No stored value can break the response schema: every time in a job is an integer of epoch
// milliseconds from 0 to 8,640,000,000,000,000 (the spec's EpochMillis). The store refuses to write
// anything else, and a migration repairs rows an earlier version wrote (JOBS_START_DELAY=100000000d
// stored a startAt past the bound, after which listJobs answered 500 for that project, even after
// a restart).
import { Migrator } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../../server/store/types.js";
import { openStore } from "../../server/store/index.js";
import { migrationProvider } from "../../server/store/migrations.js";
import { contextOf } from "../../server/store/store.js";
import { databases, execRaw, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, jobData } from "../support/jobs.js";
import { startTestServer } from "../support/server.js";
import { insertJob } from "../../server/store/fixtures.js";

const MAX = 8_640_000_000_000_000;

describe.each(databases)("times out of the EpochMillis range on $name", (database) => {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });
  const migrated = async () => {
    const store = await openMigratedStore(database);
    stores.push(store);
    return store;
  };

  it("scheduleUserDeletion refuses a startAt past the bound, and creates nothing", async () => {
    const store = await migrated();
    const { project } = await seedTenant(store, "Far");
    await expect(
      store.scheduleUserDeletion(project.projectId, "far@example.com", NOW, NOW + 100_000_000 * 86_400_000),
    ).rejects.toMatchObject({
      name: "StoreError",
      code: "invalid",
    });
    expect(await store.listJobs(project.projectId, {})).toEqual([]);
    // The bound itself is a valid time.
    expect((await store.scheduleUserDeletion(project.projectId, "far@example.com", NOW, MAX)).job.startAt).toBe(MAX);
  });

  it.each([
    ["startAt past the bound", { startAt: MAX + 1 }],
    ["a negative createdAt", { createdAt: -1 }],
    ["a fractional updatedAt", { updatedAt: NOW + 0.5 }],
    ["startAt not a number", { startAt: Number.NaN }],
  ])("insertJob refuses %s", async (_name, overrides) => {
    const store = await migrated();
    const { project } = await seedTenant(store, "Odd");
    await expect(insertJob(store, jobData(project.projectId, "scheduled", "odd@example.com", overrides))).rejects.toMatchObject({
      name: "StoreError",
      code: "invalid",
    });
    expect(await store.listJobs(project.projectId, {})).toEqual([]);
  });

  it("a row an earlier version wrote past the bound is repaired by the migration: listJobs answers 200 again", async () => {
    const url = await database.url();
    const first = await openStore(url);
    await first.migrate();
    const tenant = await seedTenant(first, "Old");
    const job = await insertJob(first, jobData(tenant.project.projectId, "scheduled", "old@example.com"));
    // The database as a release before the repair left it, with what JOBS_START_DELAY=100000000d stored.
    const migrator = new Migrator({ db: contextOf(first).db, provider: migrationProvider(database.name) });
    expect((await migrator.migrateTo("0003_rate_limits")).error).toBeUndefined();
    await first.close();
    await execRaw(url, [`update jobs set start_at = ${NOW + 100_000_000 * 86_400_000} where job_id = ${job.jobId}`]);

    const server = await startTestServer(url); // migrates on start
    try {
      const answer = await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs`, { key: tenant.apiKey });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual([{ ...job, startAt: MAX }]);
    } finally {
      await server.close();
    }
  });
});
