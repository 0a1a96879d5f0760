// Compile-time contract of the client: vitest's type tests (typecheck mode, `npm test` runs them
// with tsc). Correct uses must compile, with the types expectTypeOf states; each misuse is
// marked `// @ts-expect-error`, so a misuse that starts compiling leaves an unused directive,
// which fails its test. (`npm run typecheck` also checks the client alone without @types/node:
// client/tsconfig.json.)
import { describe, expectTypeOf, test } from "vitest";
import {
  createJobsClient,
  JobsApiError,
  type Job,
  type JobStatus,
  type Problem,
  type components,
  type operations,
  type paths,
} from "../../client/index.js";

const client = createJobsClient({ baseUrl: "http://127.0.0.1:4010", apiKey: "key" });
const projectKey = "3sWXSsqHgSKnE87YkNJK";
const getJob = () => client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3451 } } });

describe("correct uses compile", () => {
  test("getJob: the Job on success, a Problem on error", async () => {
    const got = await getJob();
    expectTypeOf(got.response.status).toEqualTypeOf<number>();
    if (got.error) {
      expectTypeOf(got.error).toEqualTypeOf<Problem>();
      expectTypeOf(got.error.detail).toEqualTypeOf<string>();
    } else {
      const job = got.data.data;
      expectTypeOf(job).toExtend<Job>();
      expectTypeOf(job.status).toEqualTypeOf<JobStatus>();
      expectTypeOf(job.errors).toEqualTypeOf<string | null>();
      // Narrowing on status narrows errors (openapi.yaml: JobState): only a failed job has one.
      if (job.status === "failed") expectTypeOf(job.errors).toEqualTypeOf<string>();
      else expectTypeOf(job.status).toEqualTypeOf<"scheduled" | "running" | "cancelled" | "completed">();
    }
  });

  test("listJobs with every query parameter and a Prefer header: a Job[]", async () => {
    const list = await client.GET("/api/v1/{projectKey}/jobs", {
      params: { path: { projectKey }, query: { status: "failed", limit: 10, after: 3451 } },
      headers: { Prefer: "example=jobList" },
    });
    if (!list.error) for (const job of list.data.data) expectTypeOf(job).toExtend<Job>();
  });

  test("cancelJob and deleteUserData", async () => {
    const cancelled = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3452 } } });
    if (cancelled.response.status === 501 && cancelled.error) expectTypeOf(cancelled.error.type).toEqualTypeOf<string>();
    // The answers' states (openapi.yaml: CancelledJobState, PendingJobState) are in the types.
    if (cancelled.data) expectTypeOf(cancelled.data.data.status).toEqualTypeOf<"cancelled">();
    const scheduled = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
      params: { path: { projectKey, userId: "shekar@example.com" } },
    });
    if (scheduled.data) expectTypeOf(scheduled.data.data.startAt).toEqualTypeOf<number>();
    if (scheduled.data) expectTypeOf(scheduled.data.data.status).toEqualTypeOf<"scheduled" | "running">();
  });

  test("listAllJobs yields Jobs; waitForJob answers a Job and throws JobsApiError", async () => {
    for await (const job of client.listAllJobs(projectKey, { status: "scheduled", pageSize: 50 })) {
      expectTypeOf(job).toEqualTypeOf<Job>();
    }
    const done = await client.waitForJob(projectKey, 3451, { until: ["running"], intervalMs: 500, timeoutMs: 10_000 });
    expectTypeOf(done).toEqualTypeOf<Job>();
    try {
      await client.waitForJob(projectKey, 3451, { until: "running", signal: AbortSignal.timeout(1000) });
    } catch (e) {
      if (e instanceof JobsApiError) {
        expectTypeOf(e.status).toEqualTypeOf<number>();
        expectTypeOf(e.problem).toEqualTypeOf<Problem | undefined>();
      }
    }
  });

  test("the exported types are the generated ones", () => {
    expectTypeOf<Job>().toEqualTypeOf<components["schemas"]["JobResponse"]["data"]>();
    expectTypeOf<operations["getJob"]["parameters"]["path"]["jobId"]>().toEqualTypeOf<number>();
    expectTypeOf<keyof paths>().toEqualTypeOf<
      "/api/v1/{projectKey}/jobs" | "/api/v1/{projectKey}/jobs/{jobId}" | "/api/v1/{projectKey}/users/{userId}"
    >();
  });
});

describe("misuses do not compile", () => {
  test("an unknown path", async () => {
    // @ts-expect-error unknown path
    await client.GET("/api/v1/{projectKey}/job/{jobId}", { params: { path: { projectKey, jobId: 1 } } });
  });
  test("a method the path does not declare (POST on the job list)", async () => {
    // @ts-expect-error POST on the job list
    await client.POST("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
  });
  test("jobId given as a string with letters", async () => {
    // @ts-expect-error jobId "abc"
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: "abc" } } });
  });
  test("jobId given as a numeric string", async () => {
    // @ts-expect-error jobId "3451"
    await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: "3451" } } });
  });
  test("a missing projectKey", async () => {
    // @ts-expect-error no projectKey
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { jobId: 3451 } } });
  });
  test("missing path parameters altogether", async () => {
    // @ts-expect-error no params
    await client.GET("/api/v1/{projectKey}/jobs");
  });
  test("userId given as a number", async () => {
    // @ts-expect-error userId 42
    await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId: 42 } } });
  });
  test("a status filter outside the JobStatus enum", async () => {
    // @ts-expect-error status "done"
    await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { status: "done" } } });
  });
  test("limit given as a string", async () => {
    // @ts-expect-error limit "10"
    await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { limit: "10" } } });
  });
  test("reading data.data without narrowing on error", async () => {
    const got = await getJob();
    // @ts-expect-error data may be undefined
    void got.data.data;
  });
  test("reading error.detail without narrowing on data", async () => {
    const got = await getJob();
    // @ts-expect-error error may be undefined
    void got.error.detail;
  });
  test("the error body is a Problem: it has no data", async () => {
    const got = await getJob();
    // @ts-expect-error no data on a Problem
    if (got.error) void got.error.data;
  });
  test("a Job has no state field (it is status)", async () => {
    const got = await getJob();
    // @ts-expect-error no state on a Job
    if (!got.error) void got.data.data.state;
  });
  test("listAllJobs with a status filter outside the enum", () => {
    // @ts-expect-error status "done"
    client.listAllJobs(projectKey, { status: "done" });
  });
  test("listAllJobs with pageSize as a string", () => {
    // @ts-expect-error pageSize "100"
    client.listAllJobs(projectKey, { pageSize: "100" });
  });
  test("waitForJob until a status that does not exist", async () => {
    // @ts-expect-error until "done"
    await client.waitForJob(projectKey, 3451, { until: "done" });
  });
  test("waitForJob until a list with a status that does not exist", async () => {
    // @ts-expect-error until ["finished"]
    await client.waitForJob(projectKey, 3451, { until: ["running", "finished"] });
  });
  test("waitForJob with jobId as a string", async () => {
    // @ts-expect-error jobId "3451"
    await client.waitForJob(projectKey, "3451");
  });
  test("createJobsClient without an apiKey", () => {
    // @ts-expect-error no apiKey
    createJobsClient({ baseUrl: "http://127.0.0.1:4010" });
  });
  test("an unknown JobStatus", () => {
    // @ts-expect-error "finished"
    const status: JobStatus = "finished";
    void status;
  });
});
