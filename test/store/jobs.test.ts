import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job, JobStatus, Project, Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, jobData } from "../support/jobs.js";
import { insertJob } from "../../server/store/fixtures.js";

describe.each(databases)("jobs through the API's store calls on $name", (database) => {
  let store: Store;
  let project: Project;
  let other: Project;
  beforeEach(async () => {
    store = await openMigratedStore(database);
    ({ project } = await seedTenant(store, "Acme"));
    ({ project: other } = await seedTenant(store, "Globex"));
  });
  afterEach(() => store.close());

  describe("listJobs and getJob", () => {
    let mine: Job[];
    beforeEach(async () => {
      // Interleaved with another project's jobs, so ids of one project are not contiguous.
      const statuses: JobStatus[] = ["completed", "scheduled", "failed", "cancelled", "running", "scheduled"];
      mine = [];
      for (const [i, status] of statuses.entries()) {
        mine.push(await insertJob(store, jobData(project.projectId, status, `user${i}@example.com`)));
        await insertJob(store, jobData(other.projectId, status, `user${i}@example.com`));
      }
    });

    it("lists every job of the project, ascending jobId, and none of another project", async () => {
      const listed = await store.listJobs(project.projectId, {});
      expect(listed).toEqual(mine);
      expect(listed.map((job) => job.jobId)).toEqual([...listed.map((job) => job.jobId)].sort((a, b) => a - b));
      expect(listed.every((job) => job.projectId === project.projectId)).toBe(true);
    });

    it("answers a job with every field of the API's Job and nothing else", async () => {
      const job = await store.getJob(project.projectId, mine[2]!.jobId);
      expect(job).toEqual({
        jobId: mine[2]!.jobId,
        description: "Delete user sessions of userId = user2@example.com",
        status: "failed",
        projectId: project.projectId,
        action: "delete_user_data",
        referenceId: "user2@example.com",
        createdAt: NOW - 60_000,
        updatedAt: NOW - 60_000,
        startAt: NOW - 1000,
        errors: "Deleting the user's sessions failed: boom",
      });
      expect(typeof job!.createdAt).toBe("number");
    });

    it("filters by status", async () => {
      const scheduled = await store.listJobs(project.projectId, { status: "scheduled" });
      expect(scheduled).toEqual([mine[1], mine[5]]);
      expect(await store.listJobs(project.projectId, { status: "completed" })).toEqual([mine[0]]);
    });

    it("pages with after and limit (keyset on jobId)", async () => {
      const first = await store.listJobs(project.projectId, { limit: 2 });
      expect(first).toEqual(mine.slice(0, 2));
      const second = await store.listJobs(project.projectId, { after: first.at(-1)!.jobId, limit: 2 });
      expect(second).toEqual(mine.slice(2, 4));
      const rest = await store.listJobs(project.projectId, { after: second.at(-1)!.jobId });
      expect(rest).toEqual(mine.slice(4));
      expect(await store.listJobs(project.projectId, { after: mine.at(-1)!.jobId })).toEqual([]);
    });

    it("combines status, after and limit", async () => {
      const page = await store.listJobs(project.projectId, { status: "scheduled", after: mine[1]!.jobId, limit: 5 });
      expect(page).toEqual([mine[5]]);
    });

    it("answers nothing for a missing job or another project's job", async () => {
      const others = await store.listJobs(other.projectId, {});
      expect(await store.getJob(project.projectId, others[0]!.jobId)).toBeUndefined();
      expect(await store.getJob(project.projectId, 999_999)).toBeUndefined();
    });

    it("lists nothing for a project without jobs", async () => {
      const { project: empty } = await seedTenant(store, "Initech");
      expect(await store.listJobs(empty.projectId, {})).toEqual([]);
    });
  });

  describe("cancelJob", () => {
    it.each(["scheduled", "running"] as const)("cancels a %s job: status cancelled, updatedAt = now", async (status) => {
      const job = await insertJob(store, jobData(project.projectId, status, "ana@example.com"));
      const result = await store.cancelJob(project.projectId, job.jobId, NOW + 5);
      expect(result).toEqual({ outcome: "cancelled", job: { ...job, status: "cancelled", updatedAt: NOW + 5 } });
      expect(await store.getJob(project.projectId, job.jobId)).toEqual({ ...job, status: "cancelled", updatedAt: NOW + 5 });
    });

    it.each(["completed", "failed", "cancelled"] as const)("refuses to cancel a %s job and leaves it unchanged", async (status) => {
      const job = await insertJob(store, jobData(project.projectId, status, "ana@example.com"));
      expect(await store.cancelJob(project.projectId, job.jobId, NOW + 5)).toEqual({ outcome: "not-cancellable", job });
      expect(await store.getJob(project.projectId, job.jobId)).toEqual(job);
    });

    it("answers not-found for a job that does not exist", async () => {
      expect(await store.cancelJob(project.projectId, 424_242, NOW)).toEqual({ outcome: "not-found" });
    });

    it("answers not-found for another project's job and leaves it scheduled", async () => {
      const theirs = await insertJob(store, jobData(other.projectId, "scheduled", "ana@example.com"));
      expect(await store.cancelJob(project.projectId, theirs.jobId, NOW)).toEqual({ outcome: "not-found" });
      expect(await store.getJob(other.projectId, theirs.jobId)).toEqual(theirs);
    });

    it("of two concurrent cancels exactly one cancels; the other finds it not cancellable", async () => {
      const job = await insertJob(store, jobData(project.projectId, "scheduled", "ana@example.com"));
      const results = await Promise.all([
        store.cancelJob(project.projectId, job.jobId, NOW + 1),
        store.cancelJob(project.projectId, job.jobId, NOW + 2),
      ]);
      expect(results.map((result) => result.outcome).sort()).toEqual(["cancelled", "not-cancellable"]);
    });
  });

  describe("scheduleUserDeletion", () => {
    it("creates a scheduled delete_user_data job for the user", async () => {
      const { job, created } = await store.scheduleUserDeletion(project.projectId, "mehdi@openreplay.com", NOW, NOW + 3600_000);
      expect(created).toBe(true);
      expect(job).toEqual({
        jobId: expect.any(Number),
        description: "Delete user sessions of userId = mehdi@openreplay.com",
        status: "scheduled",
        projectId: project.projectId,
        action: "delete_user_data",
        referenceId: "mehdi@openreplay.com",
        createdAt: NOW,
        updatedAt: NOW,
        startAt: NOW + 3600_000,
        errors: null,
      });
      expect(await store.getJob(project.projectId, job.jobId)).toEqual(job);
    });

    it("a second call for the same user answers the same job and creates none", async () => {
      const first = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
      const second = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW + 10, NOW + 10);
      expect(second).toEqual({ job: first.job, created: false });
      expect(await store.listJobs(project.projectId, {})).toHaveLength(1);
    });

    it("while the job is running, a call answers it too", async () => {
      const first = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
      const claim = await store.claimDueJob(NOW, 60_000, "worker");
      expect(claim?.job.jobId).toBe(first.job.jobId);
      const again = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW + 1, NOW + 1);
      expect(again.created).toBe(false);
      expect(again.job.jobId).toBe(first.job.jobId);
      expect(again.job.status).toBe("running");
    });

    it("after the job is cancelled, a call creates a new one", async () => {
      const first = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
      await store.cancelJob(project.projectId, first.job.jobId, NOW + 1);
      const next = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW + 2, NOW + 2);
      expect(next.created).toBe(true);
      expect(next.job.jobId).toBeGreaterThan(first.job.jobId);
      expect((await store.listJobs(project.projectId, {})).map((job) => job.status)).toEqual(["cancelled", "scheduled"]);
    });

    it("after the job completed, a call creates a new one", async () => {
      const first = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
      const claim = (await store.claimDueJob(NOW, 60_000, "worker"))!;
      expect(await store.finishJob(claim, { status: "completed", errors: null }, NOW + 1)).toBe(true);
      const next = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW + 2, NOW + 2);
      expect(next.created).toBe(true);
      expect(next.job.jobId).not.toBe(first.job.jobId);
    });

    it("other users, and the same user in another project, get jobs of their own", async () => {
      const ana = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
      const li = await store.scheduleUserDeletion(project.projectId, "li@example.com", NOW, NOW);
      const anaElsewhere = await store.scheduleUserDeletion(other.projectId, "ana@example.com", NOW, NOW);
      expect([ana.created, li.created, anaElsewhere.created]).toEqual([true, true, true]);
      expect(new Set([ana.job.jobId, li.job.jobId, anaElsewhere.job.jobId]).size).toBe(3);
    });

    it("20 concurrent calls for one user create exactly one job", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW + i, NOW)),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.job.jobId)).size).toBe(1);
      expect(await store.listJobs(project.projectId, {})).toHaveLength(1);
    });
  });

  it("insertJob keeps a given jobId, and later jobs get larger ids", async () => {
    const given = await insertJob(store, { ...jobData(project.projectId, "completed", "li@example.com"), jobId: 3451 });
    expect(given.jobId).toBe(3451);
    const { job } = await store.scheduleUserDeletion(project.projectId, "ana@example.com", NOW, NOW);
    expect(job.jobId).toBeGreaterThan(3451);
  });
});
