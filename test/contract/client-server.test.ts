// The typed client (client/index.ts) against the REAL server (Express app, validator with
// response validation on, real store), on SQLite and on PostgreSQL: every operation with every
// answer the server can give through the client (200, 400, 401 with a wrong key and without one,
// 404, 429, 501; 413 needs a request body, which no operation of the client sends), the typed
// `data` / `error` shapes, Bearer keys, and the helpers: listAllJobs following the server's real
// Link headers, waitForJob against the real job runner.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  createJobsClient,
  JobsApiError,
  JobWaitTimeoutError,
  type Job,
  type JobsClient,
  type JobStatus,
  type Problem,
} from "../../client/index.js";
import { nextMidnightUtc } from "../../server/config.js";
import type { Project } from "../../server/store/types.js";
import { databases, seedTenant } from "../support/databases.js";
import { expectJobShape, jobData } from "../support/jobs.js";
import { pairsAnsweredHere, startTestServer, type TestServer } from "../support/server.js";
import { declaredPairs, statusOfPair } from "../support/contract-coverage.js";
import { expectProblem, type ClientResult } from "../support/problems.js";
import { countSessions, insertJob } from "../../server/store/fixtures.js";
import { contract, responseFor } from "../../client/contract/index.js";
import { callThroughClient } from "../support/every-operation.js";

async function collect(jobs: AsyncIterable<Job>): Promise<Job[]> {
  const all: Job[] = [];
  for await (const job of jobs) all.push(job);
  return all;
}

describe.each(databases)("the typed client against the real server on $name", (database) => {
  let server: TestServer;
  let client: JobsClient;
  let key: string;
  let organizationId: number;
  let foreignProjectKey: string;

  beforeAll(async () => {
    server = await startTestServer(await database.url());
    const acme = await seedTenant(server.store, "Acme");
    key = acme.apiKey;
    organizationId = acme.organization.organizationId;
    foreignProjectKey = (await seedTenant(server.store, "Globex")).project.projectKey;
    client = createJobsClient({ baseUrl: server.url, apiKey: key });
  });
  afterAll(async () => server?.close());

  /** A fresh project of Acme, so each test sees only its own jobs. */
  let projects = 0;
  const newProject = (): Promise<Project> => server.store.createProject(organizationId, `Acme app ${++projects}`);

  /** Inserts a delete_user_data job (startAt in the future unless given: never due). */
  const addJob = (project: Project, status: JobStatus, userId: string, overrides: Partial<Job> = {}): Promise<Job> =>
    insertJob(
      server.store,
      jobData(project.projectId, status, userId, {
        createdAt: server.clock.now - 1000,
        updatedAt: server.clock.now - 1000,
        startAt: server.clock.now + 3_600_000,
        ...overrides,
      }),
    );

  const wrongKey = () => createJobsClient({ baseUrl: server.url, apiKey: "ork_thisisnotakeyofanyorganization0" });

  describe("listJobs", () => {
    let project: Project;
    let jobs: Job[];
    beforeAll(async () => {
      project = await newProject();
      jobs = [];
      for (const [i, status] of (["scheduled", "running", "cancelled", "failed", "completed", "scheduled"] as const).entries()) {
        jobs.push(await addJob(project, status, `list-${i}@example.com`));
      }
    });
    const path = () => ({ projectKey: project.projectKey });

    it("answers 200 with every job of the project, oldest first, typed as { data: Job[] }", async () => {
      const { data, error, response } = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: path() } });
      expectTypeOf(data).toEqualTypeOf<{ data: Job[] } | undefined>();
      expectTypeOf(error).toEqualTypeOf<Problem | undefined>();
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(error).toBeUndefined();
      expect(data).toEqual({ data: jobs });
      data!.data.forEach(expectJobShape);
      expect(response.headers.get("Link")).toBeNull();
    });

    it("answers 200 with only the jobs in the status asked for", async () => {
      const { data, response } = await client.GET("/api/v1/{projectKey}/jobs", {
        params: { path: path(), query: { status: "scheduled" } },
      });
      expect(response.status).toBe(200);
      expect(data?.data).toEqual(jobs.filter((j) => j.status === "scheduled"));
    });

    it("answers 200 with a first page and a Link header to the next one when given limit", async () => {
      const { data, response } = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: path(), query: { limit: 4 } } });
      expect(response.status).toBe(200);
      expect(data?.data).toEqual(jobs.slice(0, 4));
      expect(response.headers.get("Link")).toBe(`</api/v1/${project.projectKey}/jobs?limit=4&after=${jobs[3]!.jobId}>; rel="next"`);
    });

    it.each([
      ["limit 0 (below the minimum)", { limit: 0 }],
      ["limit 1001 (above the maximum)", { limit: 1001 }],
      ["a status outside the enum (cast)", { status: "archived" as JobStatus }],
      ["a limit that is not a number (cast)", { limit: "many" as unknown as number }],
      ["an unknown query parameter (cast)", { unknown: "1" } as { limit?: number }],
    ])("answers 400 with the bad-request problem for %s", async (_, query) => {
      const result = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: path(), query } });
      expectProblem(result, 400, "bad-request");
    });

    it("answers 401 with the unauthorized problem for a wrong key and for no key", async () => {
      const wrong = expectProblem(await wrongKey().GET("/api/v1/{projectKey}/jobs", { params: { path: path() } }), 401, "unauthorized");
      expect(wrong.detail).toBe("Invalid API Key"); // upstream v1's words, exactly
      const noKey = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: path() }, headers: { Authorization: null } });
      expect(expectProblem(noKey, 401, "unauthorized").detail).toBe("Invalid API Key");
    });

    it("answers 404 for an unknown project and, alike, for another organization's project", async () => {
      const unknown = expectProblem(
        await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "NoSuchProject1" } } }),
        404,
        "not-found",
      );
      const foreign = expectProblem(
        await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: foreignProjectKey } } }),
        404,
        "not-found",
      );
      expect(foreign.title).toBe(unknown.title);
    });
  });

  describe("getJob", () => {
    let project: Project;
    let job: Job;
    beforeAll(async () => {
      project = await newProject();
      job = await addJob(project, "running", "get@example.com");
    });

    it("answers 200 with the job, typed as { data: Job }", async () => {
      const { data, error, response } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId: job.jobId } },
      });
      expectTypeOf(data).toEqualTypeOf<{ data: Job } | undefined>();
      expectTypeOf(error).toEqualTypeOf<Problem | undefined>();
      expect(response.status).toBe(200);
      expect(error).toBeUndefined();
      expect(data).toEqual({ data: job });
      expectJobShape(data!.data);
    });

    it.each([
      ["a jobId that is not a number (cast)", "abc" as unknown as number],
      ["jobId 0", 0],
      ["a jobId beyond 2^53 - 1", 2 ** 53],
    ])("answers 400 with the bad-request problem for %s", async (_, jobId) => {
      const result = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey: project.projectKey, jobId } } });
      expectProblem(result, 400, "bad-request");
    });

    it("answers 400 for a query parameter, as getJob takes none (cast)", async () => {
      const result = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId: job.jobId }, query: { verbose: "1" } as never },
      });
      expectProblem(result, 400, "bad-request");
    });

    it("answers 401 for a wrong key and for no key", async () => {
      const params = { path: { projectKey: project.projectKey, jobId: job.jobId } };
      expectProblem(await wrongKey().GET("/api/v1/{projectKey}/jobs/{jobId}", { params }), 401, "unauthorized");
      expectProblem(
        await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params, headers: { Authorization: null } }),
        401,
        "unauthorized",
      );
    });

    it("answers 404 for an unknown job, a job of another project and another organization's project", async () => {
      const sibling = await newProject();
      const missing = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId: 987_654_321 } },
      });
      expect(expectProblem(missing, 404, "not-found").detail).toBe(`Job 987654321 was not found in project ${project.projectKey}.`);
      for (const projectKey of [sibling.projectKey, foreignProjectKey]) {
        const result = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: job.jobId } } });
        expectProblem(result, 404, "not-found");
      }
    });
  });

  describe("cancelJob", () => {
    let project: Project;
    beforeAll(async () => {
      project = await newProject();
    });
    const cancel = (c: JobsClient, jobId: number, headers?: Record<string, string | null>) =>
      c.DELETE("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId } },
        ...(headers ? { headers } : {}),
      });

    it.each(["scheduled", "running"] as const)(
      "answers 200 with the %s job, now cancelled, updatedAt = the server's now",
      async (status) => {
        const job = await addJob(project, status, `cancel-${status}@example.com`);
        const { data, error, response } = await cancel(client, job.jobId);
        expectTypeOf(data).toEqualTypeOf<{ data: Job } | undefined>();
        expectTypeOf(error).toEqualTypeOf<Problem | undefined>();
        expect(response.status).toBe(200);
        expect(error).toBeUndefined();
        expect(data).toEqual({ data: { ...job, status: "cancelled", updatedAt: server.clock.now } });
      },
    );

    it("answers 501 with the job-not-cancellable problem for a job cancelled before, and leaves it unchanged", async () => {
      const job = await addJob(project, "scheduled", "twice@example.com");
      const first = await cancel(client, job.jobId);
      expect(first.response.status).toBe(200);
      const second = await cancel(client, job.jobId);
      expect(expectProblem(second, 501, "job-not-cancellable").detail).toBe(
        `Job ${job.jobId} is cancelled and can no longer be cancelled.`,
      );
      expect(await server.store.getJob(project.projectId, job.jobId)).toEqual(first.data?.data);
    });

    it.each(["completed", "failed"] as const)("answers 501 for a %s job and leaves it unchanged", async (status) => {
      const job = await addJob(project, status, `ended-${status}@example.com`);
      expectProblem(await cancel(client, job.jobId), 501, "job-not-cancellable");
      expect(await server.store.getJob(project.projectId, job.jobId)).toEqual(job);
    });

    it("answers 400 for a jobId that is not a positive integer (cast)", async () => {
      expectProblem(await cancel(client, "x1" as unknown as number), 400, "bad-request");
      expectProblem(await cancel(client, -1), 400, "bad-request");
    });

    it("answers 401 for a wrong key and for no key, and cancels nothing", async () => {
      const job = await addJob(project, "scheduled", "unauthorized@example.com");
      expectProblem(await cancel(wrongKey(), job.jobId), 401, "unauthorized");
      expectProblem(await cancel(client, job.jobId, { Authorization: null }), 401, "unauthorized");
      expect((await server.store.getJob(project.projectId, job.jobId))?.status).toBe("scheduled");
    });

    it("answers 404 for an unknown job and for another project's job, and cancels nothing", async () => {
      expectProblem(await cancel(client, 987_654_321), 404, "not-found");
      const sibling = await newProject();
      const elsewhere = await addJob(sibling, "scheduled", "elsewhere@example.com");
      expectProblem(await cancel(client, elsewhere.jobId), 404, "not-found");
      expect((await server.store.getJob(sibling.projectId, elsewhere.jobId))?.status).toBe("scheduled");
    });
  });

  describe("deleteUserData", () => {
    let project: Project;
    beforeAll(async () => {
      project = await newProject();
    });
    const deleteUser = (c: JobsClient, userId: string, projectKey = project.projectKey, headers?: Record<string, string | null>) =>
      c.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId } }, ...(headers ? { headers } : {}) });

    it("answers 200 with a new scheduled job for the next 00:00 UTC, and the same job when called again", async () => {
      const { data, error, response } = await deleteUser(client, "shekar@example.com");
      expectTypeOf(data).toEqualTypeOf<{ data: Job } | undefined>();
      expectTypeOf(error).toEqualTypeOf<Problem | undefined>();
      expect(response.status).toBe(200);
      expect(error).toBeUndefined();
      expectJobShape(data!.data);
      expect(data!.data).toMatchObject({
        status: "scheduled",
        action: "delete_user_data",
        projectId: project.projectId,
        referenceId: "shekar@example.com",
        description: "Delete user sessions of userId = shekar@example.com",
        createdAt: server.clock.now,
        startAt: nextMidnightUtc(server.clock.now),
        errors: null,
      });
      const again = await deleteUser(client, "shekar@example.com");
      expect(again.data).toEqual(data);
    });

    it("sends a userId with characters to encode as one path segment", async () => {
      const userId = "a/b c?d#e%f@example.com";
      const { data, response } = await deleteUser(client, userId);
      expect(response.status).toBe(200);
      expect(data?.data.referenceId).toBe(userId);
    });

    it.each([
      ["an empty userId", ""],
      ["a userId over 256 characters", "a".repeat(257)],
      ["a userId with a control character", "tab\there"],
    ])("answers 400 with the bad-request problem for %s", async (_, userId) => {
      expectProblem(await deleteUser(client, userId), 400, "bad-request");
    });

    it("answers 401 for a wrong key and for no key, and schedules nothing", async () => {
      expectProblem(await deleteUser(wrongKey(), "nobody@example.com"), 401, "unauthorized");
      expectProblem(await deleteUser(client, "nobody@example.com", project.projectKey, { Authorization: null }), 401, "unauthorized");
      const { data } = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: project.projectKey } } });
      expect(data?.data.map((j) => j.referenceId)).not.toContain("nobody@example.com");
    });

    it("answers 404 for an unknown project and for another organization's project", async () => {
      expectProblem(await deleteUser(client, "x@example.com", "NoSuchProject1"), 404, "not-found");
      expectProblem(await deleteUser(client, "x@example.com", foreignProjectKey), 404, "not-found");
    });
  });

  describe("the key as a Bearer token", () => {
    it("is accepted in a per-request Authorization header, which replaces the client's key", async () => {
      const project = await newProject();
      const job = await addJob(project, "scheduled", "bearer@example.com");
      const { data, response } = await wrongKey().GET("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId: job.jobId } },
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(200);
      expect(data).toEqual({ data: job });
    });

    it("is accepted as the client's apiKey", async () => {
      const project = await newProject();
      const bearer = createJobsClient({ baseUrl: server.url, apiKey: `Bearer ${key}` });
      const { data, response } = await bearer.DELETE("/api/v1/{projectKey}/users/{userId}", {
        params: { path: { projectKey: project.projectKey, userId: "bearer@example.com" } },
      });
      expect(response.status).toBe(200);
      expect(data?.data.projectId).toBe(project.projectId);
    });

    it("with a wrong key answers 401", async () => {
      const bearer = createJobsClient({ baseUrl: server.url, apiKey: "Bearer ork_thisisnotakeyofanyorganization0" });
      const result = await bearer.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "NoSuchProject1" } } });
      expectProblem(result, 401, "unauthorized");
    });
  });

  describe("listAllJobs over the server's Link headers", () => {
    let project: Project;
    let jobs: Job[];
    /** The URL of every request the client sent, and the Link header of its answer. */
    let exchanges: Array<{ url: string; link: string | null }>;
    let paging: JobsClient;

    beforeAll(async () => {
      project = await newProject();
      jobs = [];
      // 250 jobs: even ones completed (125), odd ones scheduled (125).
      for (let i = 0; i < 250; i++) jobs.push(await addJob(project, i % 2 === 0 ? "completed" : "scheduled", `page-${i}@example.com`));
      paging = createJobsClient({
        baseUrl: server.url,
        apiKey: key,
        fetch: async (request) => {
          const response = await fetch(request);
          exchanges.push({ url: request.url, link: response.headers.get("Link") });
          return response;
        },
      });
    }, 120_000);

    it("yields all 250 jobs once, ascending, in 3 requests of pageSize 100 that follow the Link headers", async () => {
      exchanges = [];
      const all = await collect(paging.listAllJobs(project.projectKey, { pageSize: 100 }));
      expect(all).toEqual(jobs);
      expect(exchanges.map((e) => new URL(e.url).search)).toEqual([
        "?limit=100",
        `?limit=100&after=${jobs[99]!.jobId}`,
        `?limit=100&after=${jobs[199]!.jobId}`,
      ]);
      // Each request after the first is exactly the previous answer's Link target.
      expect(exchanges.map((e) => e.link)).toEqual([
        `</api/v1/${project.projectKey}/jobs?limit=100&after=${jobs[99]!.jobId}>; rel="next"`,
        `</api/v1/${project.projectKey}/jobs?limit=100&after=${jobs[199]!.jobId}>; rel="next"`,
        null,
      ]);
    });

    it("keeps the status filter on every page: 125 completed jobs in 2 requests", async () => {
      exchanges = [];
      const completed = await collect(paging.listAllJobs(project.projectKey, { pageSize: 100, status: "completed" }));
      expect(completed).toEqual(jobs.filter((j) => j.status === "completed"));
      expect(completed).toHaveLength(125);
      expect(exchanges).toHaveLength(2);
      for (const { url } of exchanges) expect(new URL(url).searchParams.get("status")).toBe("completed");
    });

    it("rejects with JobsApiError 401 and the problem for a wrong key", async () => {
      const error = await collect(wrongKey().listAllJobs(project.projectKey)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobsApiError);
      expect(error).toMatchObject({ status: 401, problem: { type: "urn:problem:jobs-api:unauthorized" } });
    });

    it("rejects with JobsApiError 404 for another organization's project", async () => {
      const error = await collect(client.listAllJobs(foreignProjectKey)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobsApiError);
      expect(error).toMatchObject({ status: 404, problem: { type: "urn:problem:jobs-api:not-found" } });
    });
  });

  describe("waitForJob until running (the test claims the job as the runner would)", () => {
    let own: TestServer;
    afterAll(async () => own?.close());

    it("resolves with the running job as soon as it runs, without waiting for it to end", async () => {
      // A server of its own (runner off): the job below is the only one its database could claim.
      own = await startTestServer(await database.url());
      const { apiKey, project } = await seedTenant(own.store, "Watcher");
      const job = await insertJob(
        own.store,
        jobData(project.projectId, "scheduled", "until-running@example.com", {
          createdAt: own.clock.now - 1000,
          updatedAt: own.clock.now - 1000,
          startAt: own.clock.now - 1, // due
        }),
      );
      const seen: JobStatus[] = [];
      const watching = createJobsClient({
        baseUrl: own.url,
        apiKey,
        fetch: async (request) => {
          const response = await fetch(request);
          seen.push(((await response.clone().json()) as { data: Job }).data.status);
          // After the first poll (scheduled), claim the job: the next poll sees it running.
          if (seen.length === 1) {
            const claim = await own.store.claimDueJob(own.clock.now, 60_000, "test-worker");
            expect(claim?.job.jobId).toBe(job.jobId);
          }
          return response;
        },
      });
      const running = await watching.waitForJob(project.projectKey, job.jobId, { until: "running", intervalMs: 10 });
      expect(seen).toEqual(["scheduled", "running"]);
      expect(running).toMatchObject({ jobId: job.jobId, status: "running" });
      expect((await own.store.getJob(project.projectId, job.jobId))?.status).toBe("running");
    });
  });

  describe("answers 429 through the client once a key has used its calls", () => {
    let limited: TestServer;
    let limitedClient: JobsClient;
    let projectKey: string;
    let projectId: number;
    let jobId: number;

    beforeAll(async () => {
      limited = await startTestServer(await database.url(), { rateLimit: 2, rateLimitWindowMs: 60_000 });
      const tenant = await seedTenant(limited.store, "Limited");
      projectKey = tenant.project.projectKey;
      projectId = tenant.project.projectId;
      jobId = (
        await insertJob(
          limited.store,
          jobData(projectId, "scheduled", "limited@example.com", {
            createdAt: limited.clock.now,
            updatedAt: limited.clock.now,
            startAt: limited.clock.now + 3_600_000,
          }),
        )
      ).jobId;
      limitedClient = createJobsClient({ baseUrl: limited.url, apiKey: tenant.apiKey });
      for (let i = 0; i < 2; i++) {
        const { response } = await limitedClient.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
        expect(response.status).toBe(200);
      }
    });
    afterAll(async () => limited?.close());

    it("on every operation, with the rate-limited problem and Retry-After, and changes nothing", async () => {
      const results: Array<[string, ClientResult]> = [];
      for (const operation of contract.operations) {
        expect(responseFor(operation, 429)?.status, `${operation.operationId} declares 429`).toBe("429");
        const values = { projectKey, jobId, userId: "other@example.com" };
        results.push([operation.operationId, await callThroughClient(limitedClient, operation, values)]);
      }
      for (const [operationId, result] of results) {
        expectProblem(result, 429, "rate-limited");
        const retryAfter = Number(result.response.headers.get("Retry-After"));
        expect([operationId, Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60]).toEqual([operationId, true]);
      }
      expect((await limited.store.getJob(projectId, jobId))?.status).toBe("scheduled");
      expect(await limited.store.listJobs(projectId, {})).toHaveLength(1);
    });
  });

  describe("waitForJob against a server whose runner is on", () => {
    let running: TestServer;
    let runningClient: JobsClient;
    let project: Project;

    beforeAll(async () => {
      running = await startTestServer(await database.url(), {
        runner: true,
        pollIntervalMs: 20,
        startDelay: { kind: "delay", ms: 0 },
      });
      const tenant = await seedTenant(running.store, "Runner");
      project = tenant.project;
      runningClient = createJobsClient({ baseUrl: running.url, apiKey: tenant.apiKey });
    });
    afterAll(async () => running?.close());

    it("resolves with the completed deletion job once every session of the user is gone", async () => {
      const rows = (userId: string, n: number) =>
        Array.from({ length: n }, (_, i) => ({ sessionId: `${userId}-${i}`, projectId: project.projectId, userId, startedAt: i }));
      await running.store.importSessions(
        (async function* () {
          yield rows("gone@example.com", 1500);
          yield rows("kept@example.com", 20);
        })(),
      );
      const { data, response } = await runningClient.DELETE("/api/v1/{projectKey}/users/{userId}", {
        params: { path: { projectKey: project.projectKey, userId: "gone@example.com" } },
      });
      expect(response.status).toBe(200);
      const scheduled = data!.data;
      expect(scheduled).toMatchObject({ status: "scheduled", startAt: running.clock.now });

      const done = await runningClient.waitForJob(project.projectKey, scheduled.jobId, { intervalMs: 20, timeoutMs: 30_000 });
      expect(done).toMatchObject({ jobId: scheduled.jobId, status: "completed", errors: null });
      expect(await countSessions(running.store, project.projectId, "gone@example.com")).toBe(0);
      expect(await countSessions(running.store, project.projectId, "kept@example.com")).toBe(20);
      // Now final: cancelling it answers 501 through the client.
      const cancel = await runningClient.DELETE("/api/v1/{projectKey}/jobs/{jobId}", {
        params: { path: { projectKey: project.projectKey, jobId: scheduled.jobId } },
      });
      expectProblem(cancel, 501, "job-not-cancellable");
    });

    it("rejects with JobsApiError 404 for a job that does not exist", async () => {
      const error = await runningClient.waitForJob(project.projectKey, 987_654_321, { intervalMs: 20 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobsApiError);
      expect(error).toMatchObject({ status: 404, problem: { type: "urn:problem:jobs-api:not-found" } });
    });
  });

  describe("waitForJob on a job that never starts (startDelay 1h, the clock stands still)", () => {
    let idle: TestServer;

    beforeAll(async () => {
      idle = await startTestServer(await database.url(), {
        runner: true,
        pollIntervalMs: 20,
        startDelay: { kind: "delay", ms: 3_600_000 },
      });
    });
    afterAll(async () => {
      // fetch's keep-alive connections to this server lost their idle timers to the fake timers
      // below (they were created while faked): close them from this side, or close() waits.
      idle?.server.closeAllConnections();
      await idle?.close();
    });

    it("rejects with JobWaitTimeoutError carrying the last job seen, still scheduled", async () => {
      const { apiKey, project } = await seedTenant(idle.store, "Idle");
      let answered = () => {};
      const idleClient = createJobsClient({
        baseUrl: idle.url,
        apiKey,
        fetch: async (request: Request) => {
          const response = await fetch(request);
          answered();
          return response;
        },
      });
      const { data } = await idleClient.DELETE("/api/v1/{projectKey}/users/{userId}", {
        params: { path: { projectKey: project.projectKey, userId: "later@example.com" } },
      });
      const job = data!.data;
      expect(job.startAt).toBe(idle.clock.now + 3_600_000);
      expect(await idle.runner!.runOnce()).toBe(false); // nothing is due

      // Fake timers: the 300 ms run out only after the server's first answer to waitForJob,
      // however slow a busy machine makes it (the DELETE above answered already).
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      let error: unknown;
      try {
        const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
        const waiting = idleClient.waitForJob(project.projectKey, job.jobId, { intervalMs: 20, timeoutMs: 300 }).catch((e: unknown) => e);
        await firstAnswer;
        await vi.advanceTimersByTimeAsync(300);
        error = await waiting;
      } finally {
        vi.useRealTimers();
      }
      expect(error).toBeInstanceOf(JobWaitTimeoutError);
      expect(error).toMatchObject({ name: "TimeoutError", timeoutMs: 300, job: { jobId: job.jobId, status: "scheduled" } });
      expect((await idle.store.getJob(project.projectId, job.jobId))?.status).toBe("scheduled");
    });
  });

  it("covered every operation: each declared (operation, status) the client can reach was answered above", () => {
    // 413 needs a request body, which the client never sends; 503 a database that is down (test/api/).
    const beyondTheClient = [413, 503];
    const reachable = declaredPairs().filter((pair) => !beyondTheClient.includes(statusOfPair(pair)));
    expect(reachable.filter((pair) => !pairsAnsweredHere().has(pair))).toEqual([]);
  });
});
