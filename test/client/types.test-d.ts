// Compile-time contract of the client, checked by test/client/types.test.ts (TypeScript compiler,
// no @types/node, so the client also proves it needs nothing from Node).
// Every line after `// @ts-expect-error <what>` is a misuse that must NOT compile: if one starts
// compiling, the directive becomes unused and the check fails. One misuse per line, on one line.
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

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

const client = createJobsClient({ baseUrl: "http://127.0.0.1:4010", apiKey: "key" });
const projectKey = "3sWXSsqHgSKnE87YkNJK";

export async function correctUsesCompile(): Promise<void> {
  const got = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3451 } } });
  const status: number = got.response.status;
  if (got.error) {
    const problem: Problem = got.error;
    const detail: string = problem.detail;
    void [status, detail];
  } else {
    const job: Job = got.data.data;
    const jobStatus: JobStatus = job.status;
    const errors: string | null = job.errors;
    void [jobStatus, errors];
  }

  const list = await client.GET("/api/v1/{projectKey}/jobs", {
    params: { path: { projectKey }, query: { status: "failed", limit: 10, after: 3451 } },
    headers: { Prefer: "example=documentJobList" },
  });
  if (!list.error) assertType<Equal<typeof list.data.data, Job[]>>();

  const cancelled = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3452 } } });
  if (cancelled.response.status === 501 && cancelled.error) void cancelled.error.type;

  const scheduled = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
    params: { path: { projectKey, userId: "shekar@example.com" } },
  });
  if (scheduled.data) void new Date(scheduled.data.data.startAt);

  for await (const job of client.listAllJobs(projectKey, { status: "scheduled", pageSize: 50 })) {
    assertType<Equal<typeof job, Job>>();
  }
  const done = await client.waitForJob(projectKey, 3451, { until: ["running"], intervalMs: 500, timeoutMs: 10_000 });
  assertType<Equal<typeof done, Job>>();

  try {
    await client.waitForJob(projectKey, 3451, { until: "running", signal: AbortSignal.timeout(1000) });
  } catch (e) {
    if (e instanceof JobsApiError) {
      const s: number = e.status;
      const p: Problem | undefined = e.problem;
      void [s, p];
    }
  }

  assertType<Equal<Job, components["schemas"]["Job"]>>();
  assertType<Equal<operations["getJob"]["parameters"]["path"]["jobId"], number>>();
  assertType<Equal<keyof paths, "/api/v1/{projectKey}/jobs" | "/api/v1/{projectKey}/jobs/{jobId}" | "/api/v1/{projectKey}/users/{userId}">>();
}

export async function misusesDoNotCompile(): Promise<void> {
  // @ts-expect-error unknown path
  await client.GET("/api/v1/{projectKey}/job/{jobId}", { params: { path: { projectKey, jobId: 1 } } });
  // @ts-expect-error method the path does not declare (POST on the job list)
  await client.POST("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
  // @ts-expect-error jobId given as a string with letters
  await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: "abc" } } });
  // @ts-expect-error jobId given as a numeric string
  await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: "3451" } } });
  // @ts-expect-error missing projectKey
  await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { jobId: 3451 } } });
  // @ts-expect-error missing path parameters altogether
  await client.GET("/api/v1/{projectKey}/jobs");
  // @ts-expect-error userId given as a number
  await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId: 42 } } });
  // @ts-expect-error status filter outside the JobStatus enum
  await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { status: "done" } } });
  // @ts-expect-error limit given as a string
  await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { limit: "10" } } });

  const got = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3451 } } });
  // @ts-expect-error reading data.data without narrowing on error
  void got.data.data;
  // @ts-expect-error reading error.detail without narrowing on data
  void got.error.detail;
  if (got.error) {
    // @ts-expect-error the error body is a Problem: it has no `data`
    void got.error.data;
  } else {
    // @ts-expect-error a Job has no `state` field (it is `status`)
    void got.data.data.state;
    // @ts-expect-error jobId is read-only
    got.data.data.jobId = 1;
  }

  // @ts-expect-error listAllJobs status filter outside the enum
  client.listAllJobs(projectKey, { status: "done" });
  // @ts-expect-error listAllJobs pageSize as a string
  client.listAllJobs(projectKey, { pageSize: "100" });
  // @ts-expect-error waitForJob until a status that does not exist
  await client.waitForJob(projectKey, 3451, { until: "done" });
  // @ts-expect-error waitForJob until a list with a status that does not exist
  await client.waitForJob(projectKey, 3451, { until: ["running", "finished"] });
  // @ts-expect-error waitForJob jobId as a string
  await client.waitForJob(projectKey, "3451");
  // @ts-expect-error createJobsClient without an apiKey
  createJobsClient({ baseUrl: "http://127.0.0.1:4010" });
  // @ts-expect-error an unknown JobStatus
  const status: JobStatus = "finished";
  void status;
}
