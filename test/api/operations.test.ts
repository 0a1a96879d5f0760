// Every row of the operation table in docs/behaviour.md ("Operations"), against the
// real server with response validation on, on SQLite and on PostgreSQL.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { expectJobShape, jobData } from "../support/jobs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { expectProblem } from "../support/problems.js";
import type { Job, JobStatus } from "../../server/store/types.js";
import { nextMidnightUtc } from "../../server/config.js";
import { insertJob } from "../../server/store/fixtures.js";
import { httpRequest } from "../reliability/support.js";

describe.each(databases)("the Jobs API on $name", (database) => {
  let server: TestServer;
  let key: string;
  let projectKey: string;
  let projectId: number;
  let otherKey: string;
  let otherProjectKey: string;
  let siblingProjectKey: string;

  /** A delete_user_data job due in an hour (never run: these tests have no runner). */
  const job = (status: JobStatus, userId: string): Omit<Job, "jobId"> =>
    jobData(projectId, status, userId, {
      createdAt: server.clock.now - 1000,
      updatedAt: server.clock.now - 1000,
      startAt: server.clock.now + 3_600_000,
    });

  beforeAll(async () => {
    server = await startTestServer(await database.url());
    const acme = await seedTenant(server.store, "Acme");
    key = acme.apiKey;
    projectKey = acme.project.projectKey;
    projectId = acme.project.projectId;
    siblingProjectKey = (await server.store.createProject(acme.organization.organizationId, "Acme second")).projectKey;
    const globex = await seedTenant(server.store, "Globex");
    otherKey = globex.apiKey;
    otherProjectKey = globex.project.projectKey;
  });
  afterAll(async () => server?.close());

  describe("listJobs", () => {
    let ids: number[];
    beforeAll(async () => {
      ids = [];
      const statuses = ["scheduled", "running", "cancelled", "failed", "completed", "scheduled"] as const;
      for (const [i, status] of statuses.entries()) {
        ids.push((await insertJob(server.store, job(status, `list-${i}@example.com`))).jobId);
      }
    });

    it("answers every job of the project, finished and cancelled ones too, oldest first", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs`, { key });
      expect(answer.status).toBe(200);
      expect(answer.contentType).toMatch(/^application\/json/);
      const listed: number[] = answer.body.data.map((j: Job) => j.jobId);
      expect(listed).toEqual([...listed].sort((a, b) => a - b));
      expect(listed).toEqual(expect.arrayContaining(ids));
      expect(new Set(answer.body.data.map((j: Job) => j.status))).toEqual(
        new Set(["scheduled", "running", "cancelled", "failed", "completed"]),
      );
      expect(answer.headers.get("link")).toBeNull();
    });

    it("answers a job with exactly the document's fields and types", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs`, { key });
      const first = answer.body.data[0];
      expectJobShape(first);
    });

    it("filters by status", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs?status=scheduled`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.data.length).toBeGreaterThanOrEqual(2);
      expect(answer.body.data.every((j: Job) => j.status === "scheduled")).toBe(true);
    });

    it("pages with limit and announces the next page in a Link header until the last page", async () => {
      const seen: number[] = [];
      let path: string | undefined = `/api/v1/${projectKey}/jobs?limit=4`;
      let pages = 0;
      while (path !== undefined) {
        const answer = await server.call("GET", path, { key });
        expect(answer.status).toBe(200);
        expect(answer.body.data.length).toBeLessThanOrEqual(4);
        seen.push(...answer.body.data.map((j: Job) => j.jobId));
        const link = answer.headers.get("link");
        path = link === null ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1];
        if (link !== null) expect(path).toBeDefined();
        pages++;
      }
      const all = await server.call("GET", `/api/v1/${projectKey}/jobs`, { key });
      expect(seen).toEqual(all.body.data.map((j: Job) => j.jobId));
      expect(pages).toBe(Math.ceil(seen.length / 4));
    });

    it("keeps the status filter in the Link header", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs?status=scheduled&limit=1`, { key });
      expect(answer.headers.get("link")).toMatch(/status=scheduled/);
      const next = /^<([^>]+)>/.exec(answer.headers.get("link")!)![1]!;
      const page2 = await server.call("GET", next, { key });
      expect(page2.body.data.every((j: Job) => j.status === "scheduled")).toBe(true);
      expect(page2.body.data[0].jobId).toBeGreaterThan(answer.body.data[0].jobId);
    });

    it("answers only jobs after the given jobId", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs?after=${ids[2]}`, { key });
      expect(answer.body.data.every((j: Job) => j.jobId > ids[2]!)).toBe(true);
      expect(answer.body.data.map((j: Job) => j.jobId)).toContain(ids[3]);
    });

    it.each([
      ["limit=0"],
      ["limit=1001"],
      ["limit=abc"],
      ["limit=1.5"],
      ["status=archived"],
      ["after=-1"],
      ["after=9007199254740992"],
      ["unknown=1"],
    ])("answers 400 for the bad query %s", async (query) => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs?${query}`, { key });
      expectProblem(answer, 400, "bad-request");
    });
  });

  describe("getJob", () => {
    it("answers the job", async () => {
      const created = await insertJob(server.store, job("scheduled", "get@example.com"));
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ data: created });
    });

    it.each(["abc", "0", "-1", "1.5", "9007199254740992", "99999999999999999999999"])(
      "answers 400 when jobId is %s (not a positive integer in range)",
      async (jobId) => {
        const answer = await server.call("GET", `/api/v1/${projectKey}/jobs/${jobId}`, { key });
        expectProblem(answer, 400, "bad-request");
      },
    );

    it("answers 404 for a job that does not exist", async () => {
      const answer = await server.call("GET", `/api/v1/${projectKey}/jobs/987654321`, { key });
      expectProblem(answer, 404, "not-found");
    });

    it("answers 404 for a job of another project of the same organization", async () => {
      const created = await insertJob(server.store, job("scheduled", "sibling@example.com"));
      const answer = await server.call("GET", `/api/v1/${siblingProjectKey}/jobs/${created.jobId}`, { key });
      expectProblem(answer, 404, "not-found");
    });
  });

  describe("cancelJob", () => {
    it.each(["scheduled", "running"] as const)("cancels a %s job: 200, status cancelled, updatedAt = now", async (status) => {
      const created = await insertJob(server.store, job(status, `cancel-${status}@example.com`));
      server.clock.now += 1234;
      const answer = await server.call("DELETE", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ ...created, status: "cancelled", updatedAt: server.clock.now });
      const after = await server.call("GET", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key });
      expect(after.body.data.status).toBe("cancelled");
    });

    it.each(["completed", "failed", "cancelled"] as const)("answers 501 for a %s job and leaves it unchanged", async (status) => {
      const created = await insertJob(server.store, job(status, `final-${status}@example.com`));
      const answer = await server.call("DELETE", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key });
      expectProblem(answer, 501, "job-not-cancellable");
      expect(answer.body.detail).toContain(status);
      expect(await server.store.getJob(projectId, created.jobId)).toEqual(created);
    });

    it("answers 404 for an unknown job and 400 for a bad jobId", async () => {
      expectProblem(await server.call("DELETE", `/api/v1/${projectKey}/jobs/987654321`, { key }), 404, "not-found");
      expectProblem(await server.call("DELETE", `/api/v1/${projectKey}/jobs/x1`, { key }), 400, "bad-request");
    });

    it("a second cancel of the same job answers 501", async () => {
      const created = await insertJob(server.store, job("scheduled", "twice@example.com"));
      expect((await server.call("DELETE", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key })).status).toBe(200);
      expectProblem(await server.call("DELETE", `/api/v1/${projectKey}/jobs/${created.jobId}`, { key }), 501, "job-not-cancellable");
    });
  });

  describe("deleteUserData", () => {
    it("answers a new scheduled delete_user_data job for the user", async () => {
      const answer = await server.call("DELETE", `/api/v1/${projectKey}/users/shekar@example.com`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toMatchObject({
        description: "Delete user sessions of userId = shekar@example.com",
        status: "scheduled",
        projectId,
        action: "delete_user_data",
        referenceId: "shekar@example.com",
        createdAt: server.clock.now,
        updatedAt: server.clock.now,
        errors: null,
      });
      expect(answer.body.data.startAt).toBeGreaterThanOrEqual(server.clock.now);
    });

    it("is idempotent: while the user's job is scheduled or running, it answers that job and creates none", async () => {
      const first = await server.call("DELETE", `/api/v1/${projectKey}/users/idem@example.com`, { key });
      const second = await server.call("DELETE", `/api/v1/${projectKey}/users/idem@example.com`, { key });
      expect(second.status).toBe(200);
      expect(second.body.data).toEqual(first.body.data);
      const list = await server.call("GET", `/api/v1/${projectKey}/jobs`, { key });
      expect(list.body.data.filter((j: Job) => j.referenceId === "idem@example.com")).toHaveLength(1);
    });

    it("schedules a new job once the previous one was cancelled", async () => {
      const first = await server.call("DELETE", `/api/v1/${projectKey}/users/again@example.com`, { key });
      await server.call("DELETE", `/api/v1/${projectKey}/jobs/${first.body.data.jobId}`, { key });
      const second = await server.call("DELETE", `/api/v1/${projectKey}/users/again@example.com`, { key });
      expect(second.status).toBe(200);
      expect(second.body.data.jobId).not.toBe(first.body.data.jobId);
      expect(second.body.data.status).toBe("scheduled");
    });

    it("accepts a 256-character Unicode userId and round-trips it exactly", async () => {
      const userId = "é".repeat(200) + "用户".repeat(28);
      expect([...userId]).toHaveLength(256);
      const answer = await server.call("DELETE", `/api/v1/${projectKey}/users/${encodeURIComponent(userId)}`, { key });
      expect(answer.status).toBe(200);
      expect(answer.body.data.referenceId).toBe(userId);
    });

    it("answers 400 for a userId over 256 characters", async () => {
      const answer = await server.call("DELETE", `/api/v1/${projectKey}/users/${"a".repeat(257)}`, { key });
      expectProblem(answer, 400, "bad-request");
    });

    it("answers 400 for an empty userId, with or without a key or the trailing slash", async () => {
      for (const path of [`/api/v1/${projectKey}/users/`, `/api/v1/${projectKey}/users`]) {
        for (const withKey of [key, null]) {
          const answer = await server.call("DELETE", path, { key: withKey });
          expectProblem(answer, 400, "bad-request");
          expect(answer.body.detail).toBe("path parameter userId must not be empty");
        }
      }
      // Paths are case-sensitive: this is no operation at all.
      expectProblem(await server.call("DELETE", `/API/v1/${projectKey}/users/`, { key }), 404, "not-found");
    });

    it("answers 404 for an unknown project", async () => {
      expectProblem(await server.call("DELETE", `/api/v1/NoSuchProject1/users/x`, { key }), 404, "not-found");
    });

    it("answers 400 for a userId of . or .. (also percent-encoded), which URL libraries remove, and schedules nothing", async () => {
      // Sent as written with node:http: fetch and every URL library remove these path segments.
      for (const userId of [".", "..", "%2E", "%2e%2E", ".%2E"]) {
        const answer = await httpRequest(server.url, `/api/v1/${projectKey}/users/${userId}`, {
          method: "DELETE",
          headers: { authorization: key },
        });
        expectProblem({ status: answer.status, body: answer.body }, 400, "bad-request");
        expect(answer.body.detail).toBe("path parameter userId must not be . or .. (URL libraries remove such path segments)");
        // As for any invalid userId, the key is checked first.
        const anonymous = await httpRequest(server.url, `/api/v1/${projectKey}/users/${userId}`, { method: "DELETE" });
        expectProblem({ status: anonymous.status, body: anonymous.body }, 401, "unauthorized");
      }
      // The spec's pattern refuses exactly those: a userId of three dots, or with dots in it, is an end user like any.
      for (const userId of ["...", ".a", "a.", "..a"]) {
        const answer = await httpRequest(server.url, `/api/v1/${projectKey}/users/${userId}`, {
          method: "DELETE",
          headers: { authorization: key },
        });
        expect(answer.status, userId).toBe(200);
        expect(answer.body.data.referenceId).toBe(userId);
      }
      const list = await server.call("GET", `/api/v1/${projectKey}/jobs`, { key });
      expect(list.body.data.filter((j: Job) => j.referenceId === "." || j.referenceId === "..")).toEqual([]);
    });
  });

  describe("authentication and tenancy", () => {
    const paths = () =>
      [
        ["GET", `/api/v1/${projectKey}/jobs`],
        ["GET", `/api/v1/${projectKey}/jobs/1`],
        ["DELETE", `/api/v1/${projectKey}/jobs/1`],
        ["DELETE", `/api/v1/${projectKey}/users/tenancy@example.com`],
      ] as const;

    it("answers 401 without a key, with an unknown key and with a malformed header, on every operation", async () => {
      for (const [method, path] of paths()) {
        for (const header of [null, "ork_unknownunknownunknownunknownunkn", "Bearer", "Basic Zm9vOmJhcg==", "Bearer a b"]) {
          const answer = await server.call(method, path, { key: header });
          expectProblem(answer, 401, "unauthorized");
        }
      }
    });

    it("accepts the key raw and as a Bearer token", async () => {
      for (const header of [key, `Bearer ${key}`, `bearer ${key}`]) {
        expect((await server.call("GET", `/api/v1/${projectKey}/jobs`, { key: header })).status).toBe(200);
      }
    });

    it("answers another organization's project exactly like an unknown one (404), on every operation", async () => {
      const created = await insertJob(server.store, job("scheduled", "victim@example.com"));
      const before = await server.store.listJobs(projectId, {});
      for (const [method, path] of paths()) {
        const foreign = await server.call(method, path.replace("/jobs/1", `/jobs/${created.jobId}`), { key: otherKey });
        const unknown = await server.call(method, path.replace(projectKey, "NoSuchProject1").replace("/jobs/1", `/jobs/${created.jobId}`), {
          key: otherKey,
        });
        expectProblem(foreign, 404, "not-found");
        expect(foreign.body.title).toBe(unknown.body.title);
        expect(foreign.body.type).toBe(unknown.body.type);
      }
      expect(await server.store.listJobs(projectId, {})).toEqual(before);
      // ...and the other organization still reaches its own project.
      expect((await server.call("GET", `/api/v1/${otherProjectKey}/jobs`, { key: otherKey })).status).toBe(200);
    });
  });

  describe("every answer that is not a 2xx is a problem", () => {
    it("answers 404 problem for a path that is no operation", async () => {
      expectProblem(await server.call("GET", "/api/v2/whatever", { key }), 404, "not-found");
      expectProblem(await server.call("GET", "/", { key }), 404, "not-found");
    });

    it("answers 405 problem for a method the path does not have", async () => {
      const answer = await server.call("POST", `/api/v1/${projectKey}/jobs`, { key });
      expectProblem(answer, 405, "method-not-allowed");
    });

    it("answers 400 problem for a path that is not valid percent-encoding", async () => {
      expectProblem(await server.call("DELETE", `/api/v1/${projectKey}/users/%E0%A4%A`, { key }), 400, "bad-request");
    });
  });
});

describe.each(databases)("settings that shape answers, on $name", (database) => {
  it("schedules deletions at the next 00:00 UTC by default", async () => {
    const server = await startTestServer(await database.url(), { startDelay: { kind: "midnight" } });
    try {
      const { apiKey, project } = await seedTenant(server.store, "Midnight");
      const answer = await server.call("DELETE", `/api/v1/${project.projectKey}/users/u1`, { key: apiKey });
      expect(answer.body.data.startAt).toBe(nextMidnightUtc(server.clock.now));
      expect(new Date(answer.body.data.startAt).toISOString()).toMatch(/T00:00:00\.000Z$/);
    } finally {
      await server.close();
    }
  });

  it("schedules deletions after JOBS_START_DELAY when one is set", async () => {
    const server = await startTestServer(await database.url(), { startDelay: { kind: "delay", ms: 90_000 } });
    try {
      const { apiKey, project } = await seedTenant(server.store, "Delay");
      const answer = await server.call("DELETE", `/api/v1/${project.projectKey}/users/u1`, { key: apiKey });
      expect(answer.body.data.startAt).toBe(server.clock.now + 90_000);
    } finally {
      await server.close();
    }
  });
});

describe("response validation", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("is on: a job the store returns that breaks the spec becomes a logged 500 problem, not a bad answer", async () => {
    const running = (server = await startTestServer(await databases[0]!.url()));
    const { apiKey, project } = await seedTenant(running.store, "Broken");
    const created = await insertJob(
      running.store,
      jobData(project.projectId, "scheduled", "x", { createdAt: 1, updatedAt: 1, startAt: 1 }),
    );
    const original = running.store.getJob.bind(running.store);
    running.store.getJob = async (...args) => {
      const found = await original(...args);
      return found && ({ ...found, status: "archived" } as unknown as Job);
    };
    const answer = await running.call("GET", `/api/v1/${project.projectKey}/jobs/${created.jobId}`, { key: apiKey });
    expect(answer.status).toBe(500);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:internal", status: 500 });
    expect(answer.body.requestId).toBe(answer.headers.get("x-request-id"));
    expect(JSON.stringify(answer.body)).not.toContain("archived");
  });

  it("an unexpected error is a 500 problem with a request id, never a stack trace", async () => {
    const running = (server = await startTestServer(await databases[0]!.url()));
    const { apiKey, project } = await seedTenant(running.store, "Crashy");
    running.store.listJobs = async () => {
      throw new Error("database exploded at /secret/path.ts:12");
    };
    const answer = await running.call("GET", `/api/v1/${project.projectKey}/jobs`, { key: apiKey });
    expect(answer.status).toBe(500);
    expect(answer.body.type).toBe("urn:problem:jobs-api:internal");
    expect(typeof answer.body.requestId).toBe("string");
    expect(JSON.stringify(answer.body)).not.toContain("exploded");
  });
});
