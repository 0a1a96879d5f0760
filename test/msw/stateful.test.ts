// The stateful MSW handlers (createStatefulHandlers) in Node, through msw/node and the typed
// client: the deletion flow (schedule → list → running → completed; cancel → 501 on a second
// cancel), idempotent scheduling, tenancy, keyset pages with the server's Link header, the 400s,
// 401s and 404s of the reference server, the clock options and the test controls.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJobsClient, parseLinkHeader, type Job, type JobsClient } from "../../client/index.js";
import { createStatefulHandlers, DEFAULT_PROJECT_KEY, type StatefulHandlers } from "../../client/msw/index.js";
import { contract } from "../../client/contract/index.js";

/** The spec's userId pattern, as the 400 detail quotes it (no control characters, C0 or C1). */
const USER_ID_PATTERN = contract.operation("deleteUserData").parameters.find((p) => p.in === "path" && p.name === "userId")!.schema
  .pattern!;

const BASE = "http://127.0.0.1:4010";
const clock = { now: Date.UTC(2026, 10, 29, 10, 0, 0) };
const TENANTS = [
  { apiKey: "key-a", projectKeys: ["proj-a", "proj-a2"] },
  { apiKey: "key-b", projectKeys: ["proj-b"] },
];

// One server; each test installs the handlers it needs with server.use() (reset after each).
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function install(options: Parameters<typeof createStatefulHandlers>[0] = {}): StatefulHandlers {
  const mock = createStatefulHandlers({ now: () => clock.now, ...options });
  server.use(...mock.handlers);
  return mock;
}

const clientFor = (apiKey: string): JobsClient => createJobsClient({ baseUrl: BASE, apiKey });

async function schedule(client: JobsClient, projectKey: string, userId: string) {
  return client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId } } });
}
async function getJob(client: JobsClient, projectKey: string, jobId: number) {
  return client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });
}
async function cancel(client: JobsClient, projectKey: string, jobId: number) {
  return client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });
}
async function raw(path: string, init: { method?: string; key?: string | null } = {}) {
  const headers: Record<string, string> = init.key === null ? {} : { Authorization: init.key ?? "any-key" };
  const response = await fetch(BASE + path, { method: init.method ?? "GET", headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe("the deletion flow", () => {
  it("schedules a job, lists it, and follows it through running to completed", async () => {
    const mock = install({ startDelayMs: 60_000 });
    const client = clientFor("any-key");
    const created = await schedule(client, DEFAULT_PROJECT_KEY, "shekar@example.com");
    expect(created.response.status).toBe(200);
    const job = created.data!.data;
    expect(job).toEqual({
      jobId: 1,
      description: "Delete user sessions of userId = shekar@example.com",
      status: "scheduled",
      projectId: 1,
      action: "delete_user_data",
      referenceId: "shekar@example.com",
      createdAt: clock.now,
      updatedAt: clock.now,
      startAt: clock.now + 60_000,
      errors: null,
    } satisfies Job);

    const list = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: DEFAULT_PROJECT_KEY } } });
    expect(list.data).toEqual({ data: [job] });
    expect(list.response.headers.get("Link")).toBeNull();

    clock.now += 60_000;
    expect(mock.jobs.advance(job.jobId, "running")).toMatchObject({ status: "running", updatedAt: clock.now });
    expect((await getJob(client, DEFAULT_PROJECT_KEY, job.jobId)).data?.data).toMatchObject({ status: "running", updatedAt: clock.now });

    clock.now += 5_000;
    mock.jobs.advance(job.jobId, "completed");
    const done = (await getJob(client, DEFAULT_PROJECT_KEY, job.jobId)).data!.data;
    expect(done).toEqual({ ...job, status: "completed", updatedAt: clock.now, errors: null });
    expect(mock.jobs.list(DEFAULT_PROJECT_KEY)).toEqual([done]);
  });

  it("a failed job carries its errors message", async () => {
    const mock = install();
    const client = clientFor("k");
    const { data } = await schedule(client, DEFAULT_PROJECT_KEY, "omar@example.com");
    mock.jobs.advance(data!.data.jobId, "running");
    mock.jobs.advance(data!.data.jobId, "failed", "The database did not answer in time.");
    const failed = (await getJob(client, DEFAULT_PROJECT_KEY, data!.data.jobId)).data!.data;
    expect(failed).toMatchObject({ status: "failed", errors: "The database did not answer in time." });
  });

  it("waitForJob over the stateful handlers resolves once a test advances the job", async () => {
    const mock = install();
    const client = clientFor("k");
    const { data } = await schedule(client, DEFAULT_PROJECT_KEY, "ana@example.com");
    const jobId = data!.data.jobId;
    const waiting = client.waitForJob(DEFAULT_PROJECT_KEY, jobId, { intervalMs: 5, timeoutMs: 30_000 });
    mock.jobs.advance(jobId, "running");
    mock.jobs.advance(jobId, "completed");
    expect(await waiting).toMatchObject({ jobId, status: "completed" });
  });

  it("cancels a scheduled job (updatedAt = now), then answers 501 on a second cancel and leaves it unchanged", async () => {
    const mock = install();
    const client = clientFor("k");
    const { data } = await schedule(client, DEFAULT_PROJECT_KEY, "li@example.com");
    const jobId = data!.data.jobId;
    clock.now += 1_234;
    const first = await cancel(client, DEFAULT_PROJECT_KEY, jobId);
    expect(first.response.status).toBe(200);
    expect(first.data?.data).toEqual({ ...data!.data, status: "cancelled", updatedAt: clock.now });

    clock.now += 1_000;
    const second = await cancel(client, DEFAULT_PROJECT_KEY, jobId);
    expect(second.response.status).toBe(501);
    expect(second.response.headers.get("Content-Type")).toBe("application/problem+json; charset=utf-8");
    expect(second.error).toEqual({
      type: "urn:problem:jobs-api:job-not-cancellable",
      title: "Not Implemented",
      status: 501,
      detail: `Job ${jobId} is cancelled and can no longer be cancelled.`,
      errors: [`Job ${jobId} is cancelled and can no longer be cancelled.`],
      instance: `/api/v1/${DEFAULT_PROJECT_KEY}/jobs/${jobId}`,
      requestId: expect.any(String),
    });
    expect(mock.jobs.list()).toEqual([first.data!.data]);
  });

  it("cancels a running job; a completed or failed job answers 501", async () => {
    const mock = install();
    const client = clientFor("k");
    const ids = [];
    for (const user of ["a", "b", "c"]) ids.push((await schedule(client, DEFAULT_PROJECT_KEY, user)).data!.data.jobId);
    const [running, completed, failed] = ids as [number, number, number];
    mock.jobs.advance(running, "running");
    mock.jobs.advance(completed, "completed");
    mock.jobs.advance(failed, "failed");
    expect((await cancel(client, DEFAULT_PROJECT_KEY, running)).data?.data.status).toBe("cancelled");
    for (const [jobId, status] of [
      [completed, "completed"],
      [failed, "failed"],
    ] as const) {
      const answer = await cancel(client, DEFAULT_PROJECT_KEY, jobId);
      expect(answer.response.status).toBe(501);
      expect(answer.error?.detail).toBe(`Job ${jobId} is ${status} and can no longer be cancelled.`);
    }
  });
});

describe("deleteUserData is idempotent while a deletion is pending", () => {
  it("answers the scheduled or running job for the same user, and schedules anew once it ended", async () => {
    const mock = install();
    const client = clientFor("k");
    const first = (await schedule(client, DEFAULT_PROJECT_KEY, "shekar@example.com")).data!.data;
    clock.now += 10;
    expect((await schedule(client, DEFAULT_PROJECT_KEY, "shekar@example.com")).data?.data).toEqual(first);
    mock.jobs.advance(first.jobId, "running");
    expect((await schedule(client, DEFAULT_PROJECT_KEY, "shekar@example.com")).data?.data.jobId).toBe(first.jobId);
    // Another user gets a job of their own.
    const other = (await schedule(client, DEFAULT_PROJECT_KEY, "ana@example.com")).data!.data;
    expect(other.jobId).toBe(first.jobId + 1);
    mock.jobs.advance(first.jobId, "completed");
    const again = (await schedule(client, DEFAULT_PROJECT_KEY, "shekar@example.com")).data!.data;
    expect(again).toMatchObject({ jobId: other.jobId + 1, status: "scheduled", createdAt: clock.now });
    expect(mock.jobs.list().map((j) => j.jobId)).toEqual([1, 2, 3]);
  });

  it("after a cancel, a new call schedules a new job", async () => {
    install();
    const client = clientFor("k");
    const first = (await schedule(client, DEFAULT_PROJECT_KEY, "u")).data!.data;
    await cancel(client, DEFAULT_PROJECT_KEY, first.jobId);
    expect((await schedule(client, DEFAULT_PROJECT_KEY, "u")).data?.data.jobId).toBe(first.jobId + 1);
  });

  it("keeps userIds as given: URL-encoded characters, @, slashes, unicode", async () => {
    install();
    const client = clientFor("k");
    for (const userId of ["a/b@c", "名前", "with space", "x?y#z"]) {
      const { data } = await schedule(client, DEFAULT_PROJECT_KEY, userId);
      expect(data?.data).toMatchObject({ referenceId: userId, description: `Delete user sessions of userId = ${userId}` });
    }
  });
});

describe("authentication and tenancy", () => {
  it("by default any non-empty key reaches the one project, demo-project; other projects answer 404", async () => {
    install();
    for (const key of ["x", "Bearer x", "some-long-key_123"]) {
      expect(
        (await clientFor(key).GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "demo-project" } } })).response.status,
      ).toBe(200);
    }
    const other = await raw("/api/v1/3sWXSsqHgSKnE87YkNJK/jobs");
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ type: "urn:problem:jobs-api:not-found", detail: "Project 3sWXSsqHgSKnE87YkNJK was not found." });
  });

  it.each([
    ["no Authorization header", null],
    ["an empty key", ""],
    ["a key with a space inside", "two words"],
    ["a key with a tab inside", "a\tb"],
  ])("answers 401 Invalid API Key for %s", async (_, key) => {
    install();
    const answer = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs`, { key });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("Content-Type")).toBe("application/problem+json; charset=utf-8");
    expect(answer.body).toEqual({
      type: "urn:problem:jobs-api:unauthorized",
      title: "Unauthorized",
      status: 401,
      detail: "Invalid API Key",
      errors: ["Invalid API Key"],
      instance: `/api/v1/${DEFAULT_PROJECT_KEY}/jobs`,
      requestId: expect.any(String),
    });
  });

  it("with tenants, each key reaches its own projects only: another organization's project is 404 like a missing one", async () => {
    const mock = install({ tenants: TENANTS });
    const a = clientFor("key-a");
    const b = clientFor("Bearer key-b");
    const jobA = (await schedule(a, "proj-a", "u")).data!.data;
    const jobB = (await schedule(b, "proj-b", "u")).data!.data;
    expect([jobA.projectId, jobB.projectId]).toEqual([1, 3]);
    expect(jobB.jobId).not.toBe(jobA.jobId);

    const foreign = await b.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "proj-a" } } });
    const missing = await b.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "proj-zzz" } } });
    expect(foreign.response.status).toBe(404);
    expect(missing.response.status).toBe(404);
    expect(foreign.error?.detail).toBe("Project proj-a was not found.");
    expect((await getJob(b, "proj-a", jobA.jobId)).response.status).toBe(404);
    expect((await cancel(b, "proj-a", jobA.jobId)).response.status).toBe(404);
    expect((await schedule(b, "proj-a", "v")).response.status).toBe(404);

    // A job of another project of the same organization is not found in this one.
    const crossProject = await getJob(a, "proj-a2", jobA.jobId);
    expect(crossProject.response.status).toBe(404);
    expect(crossProject.error?.detail).toBe(`Job ${jobA.jobId} was not found in project proj-a2.`);

    expect((await raw("/api/v1/proj-a/jobs", { key: "key-c" })).status).toBe(401);
    expect((await raw("/api/v1/proj-a/jobs", { key: "Bearer" })).status).toBe(401);
    expect((await raw("/api/v1/proj-a/jobs", { key: "Bearer key-a" })).status).toBe(200);
    expect(mock.jobs.list("proj-a")).toEqual([jobA]);
    expect(mock.jobs.list("proj-b")).toEqual([jobB]);
    expect((await a.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: "proj-a" } } })).data?.data).toEqual([jobA]);
  });

  it("refuses tenants that share a key or a project", () => {
    expect(() =>
      createStatefulHandlers({
        tenants: [
          { apiKey: "k", projectKeys: ["p"] },
          { apiKey: "k", projectKeys: ["q"] },
        ],
      }),
    ).toThrow(/same apiKey/);
    expect(() =>
      createStatefulHandlers({
        tenants: [
          { apiKey: "k", projectKeys: ["p"] },
          { apiKey: "l", projectKeys: ["p"] },
        ],
      }),
    ).toThrow(/two tenants/);
  });
});

describe("listJobs pages like the reference server", () => {
  async function seven(): Promise<{ mock: StatefulHandlers; client: JobsClient }> {
    const mock = install();
    const client = clientFor("k");
    for (let i = 1; i <= 7; i++) await schedule(client, DEFAULT_PROJECT_KEY, `user-${i}`);
    mock.jobs.advance(2, "completed");
    mock.jobs.advance(5, "completed");
    mock.jobs.advance(6, "completed");
    return { mock, client };
  }

  it("without limit answers every job, ascending, with no Link", async () => {
    const { mock } = await seven();
    const answer = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs`);
    expect(answer.body.data.map((j: Job) => j.jobId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(answer.body.data).toEqual(mock.jobs.list(DEFAULT_PROJECT_KEY));
    expect(answer.headers.get("Link")).toBeNull();
  });

  it("with limit announces the next page in Link, in the server's form, and following it covers the list once", async () => {
    await seven();
    const first = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs?limit=3`);
    expect(first.headers.get("Link")).toBe(`</api/v1/${DEFAULT_PROJECT_KEY}/jobs?limit=3&after=3>; rel="next"`);
    const seen: number[] = [];
    let path: string | undefined = `/api/v1/${DEFAULT_PROJECT_KEY}/jobs?limit=3`;
    const pages: number[][] = [];
    while (path) {
      const page = await raw(path);
      expect(page.status).toBe(200);
      const ids = page.body.data.map((j: Job) => j.jobId);
      pages.push(ids);
      seen.push(...ids);
      path = parseLinkHeader(page.headers.get("Link")).find((l) => l.rel.includes("next"))?.target;
    }
    expect(pages).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("keeps the status filter in the Link and sends no Link when the page ends the list exactly", async () => {
    await seven();
    const first = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs?status=completed&limit=2`);
    expect(first.body.data.map((j: Job) => j.jobId)).toEqual([2, 5]);
    expect(first.headers.get("Link")).toBe(`</api/v1/${DEFAULT_PROJECT_KEY}/jobs?status=completed&limit=2&after=5>; rel="next"`);
    const last = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs?status=completed&limit=2&after=5`);
    expect(last.body.data.map((j: Job) => j.jobId)).toEqual([6]);
    expect(last.headers.get("Link")).toBeNull();
    const exact = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs?limit=7`);
    expect(exact.body.data).toHaveLength(7);
    expect(exact.headers.get("Link")).toBeNull();
    const after = await raw(`/api/v1/${DEFAULT_PROJECT_KEY}/jobs?after=6`);
    expect(after.body.data.map((j: Job) => j.jobId)).toEqual([7]);
  });

  it("listAllJobs of the typed client yields every job once across pages", async () => {
    const { client, mock } = await seven();
    const jobs: Job[] = [];
    for await (const job of client.listAllJobs(DEFAULT_PROJECT_KEY, { pageSize: 2 })) jobs.push(job);
    expect(jobs).toEqual(mock.jobs.list(DEFAULT_PROJECT_KEY));
    const completed: number[] = [];
    for await (const job of client.listAllJobs(DEFAULT_PROJECT_KEY, { pageSize: 1, status: "completed" })) completed.push(job.jobId);
    expect(completed).toEqual([2, 5, 6]);
  });

  it("keeps a base URL's path prefix in the Link target", async () => {
    const mock = createStatefulHandlers({ baseUrl: "http://api.test/prefix" });
    server.use(...mock.handlers);
    const client = createJobsClient({ baseUrl: "http://api.test/prefix", apiKey: "k" });
    for (const user of ["a", "b", "c"]) await schedule(client, DEFAULT_PROJECT_KEY, user);
    const page = await client.GET("/api/v1/{projectKey}/jobs", {
      params: { path: { projectKey: DEFAULT_PROJECT_KEY }, query: { limit: 2 } },
    });
    expect(page.response.headers.get("Link")).toBe(`</prefix/api/v1/${DEFAULT_PROJECT_KEY}/jobs?limit=2&after=2>; rel="next"`);
    const all: number[] = [];
    for await (const job of client.listAllJobs(DEFAULT_PROJECT_KEY, { pageSize: 2 })) all.push(job.jobId);
    expect(all).toEqual([1, 2, 3]);
  });
});

describe("bad input answers 400 (problem) and changes nothing", () => {
  const P = `/api/v1/${DEFAULT_PROJECT_KEY}`;
  it.each([
    ["GET", `${P}/jobs?limit=0`, "query parameter limit must be >= 1"],
    ["GET", `${P}/jobs?limit=1001`, "query parameter limit must be <= 1000"],
    ["GET", `${P}/jobs?limit=abc`, "query parameter limit must be integer"],
    [
      "GET",
      `${P}/jobs?limit=01`,
      `query parameter limit must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "01".`,
    ],
    [
      "GET",
      `${P}/jobs?limit=1e0`,
      `query parameter limit must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "1e0".`,
    ],
    [
      "GET",
      `${P}/jobs?limit=%2B1`,
      `query parameter limit must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "+1".`,
    ],
    ["GET", `${P}/jobs?limit=1e309`, "query parameter limit must be integer"],
    ["GET", `${P}/jobs?limit=`, "Empty value found for query parameter 'limit'"],
    ["GET", `${P}/jobs?limit=1&limit=2`, "query parameter limit must be integer"],
    ["GET", `${P}/jobs?after=-1`, "query parameter after must be >= 0"],
    ["GET", `${P}/jobs?after=9007199254740992`, "query parameter after must be <= 9007199254740991"],
    [
      "GET",
      `${P}/jobs?status=done`,
      "query parameter status must be equal to one of the allowed values: scheduled, running, cancelled, failed, completed",
    ],
    ["GET", `${P}/jobs?unknown=1`, "Unknown query parameter 'unknown'"],
    ["GET", "/api/v1/not.a.key/jobs", 'path parameter projectKey must match pattern "^[A-Za-z0-9_-]+$"'],
    ["GET", `/api/v1/${"k".repeat(65)}/jobs`, "path parameter projectKey must NOT have more than 64 characters"],
    ["GET", `${P}/jobs/0`, "path parameter jobId must be >= 1"],
    ["GET", `${P}/jobs/abc`, "path parameter jobId must be integer"],
    [
      "GET",
      `${P}/jobs/01`,
      `path parameter jobId must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "01".`,
    ],
    [
      "GET",
      `${P}/jobs/0x1`,
      `path parameter jobId must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "0x1".`,
    ],
    [
      "GET",
      `${P}/jobs/1.0`,
      `path parameter jobId must be an integer written in plain decimal digits, such as 1 (no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got "1.0".`,
    ],
    ["GET", `${P}/jobs/9007199254740992`, "path parameter jobId must be <= 9007199254740991"],
    ["GET", `${P}/jobs/1?x=1`, "Unknown query parameter 'x'"],
    ["DELETE", `${P}/jobs/-1`, "path parameter jobId must be >= 1"],
    ["DELETE", `${P}/users/`, "path parameter userId must not be empty"],
    ["DELETE", `${P}/users/${"a".repeat(257)}`, "path parameter userId must NOT have more than 256 characters"],
    ["DELETE", `${P}/users/${"%C3%A9".repeat(257)}`, "path parameter userId must NOT have more than 256 characters"],
    ["DELETE", `${P}/users/a%01b`, `path parameter userId must match pattern "${USER_ID_PATTERN}"`],
    ["DELETE", `${P}/users/a%7Fb`, `path parameter userId must match pattern "${USER_ID_PATTERN}"`],
    ["DELETE", `${P}/users/a%C2%85b`, `path parameter userId must match pattern "${USER_ID_PATTERN}"`],
    ["DELETE", `${P}/users/x?y=1`, "Unknown query parameter 'y'"],
  ])("%s %s", async (method, path, detail) => {
    const mock = install();
    const answer = await raw(path, { method });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("Content-Type")).toBe("application/problem+json; charset=utf-8");
    expect(answer.body).toMatchObject({
      type: "urn:problem:jobs-api:bad-request",
      title: "Bad Request",
      status: 400,
      detail,
      errors: [detail],
    });
    expect(mock.jobs.list()).toEqual([]);
  });

  it.each(["a%", "%ED%A0%80", "%G1", "%C0%AF", "%FF"])(
    "a path that is not valid percent-encoded UTF-8 (%s) answers 400, with or without a key (as the server)",
    async (encoded) => {
      const mock = install();
      for (const [method, path] of [
        ["DELETE", `${P}/users/${encoded}`],
        ["GET", `${P}/jobs/${encoded}`],
        ["GET", `/api/v1/${encoded}/jobs`],
      ] as const) {
        const answer = await raw(path, { method });
        expect([path, answer.status]).toEqual([path, 400]);
        expect(answer.body).toMatchObject({
          type: "urn:problem:jobs-api:bad-request",
          detail: "The request path is not valid percent-encoded UTF-8.",
        });
        expect((await raw(path, { method, key: null })).status).toBe(400);
      }
      expect(mock.jobs.list()).toEqual([]);
    },
  );

  it("a userId of 256 characters (code points) is accepted", async () => {
    install();
    expect((await raw(`${P}/users/${"%C3%A9".repeat(256)}`, { method: "DELETE" })).status).toBe(200);
  });

  it("keeps the userId out of the problem's instance", async () => {
    install();
    const answer = await raw(`${P}/users/${"a".repeat(257)}`, { method: "DELETE" });
    expect(answer.body.instance).toBe(`${P}/users/[userId]`);
  });

  it("checks the key before the parameters, and the parameters before the project", async () => {
    install({ tenants: TENANTS });
    expect((await raw("/api/v1/proj-b/jobs?limit=0", { key: null })).status).toBe(401);
    expect((await raw("/api/v1/proj-b/jobs?limit=0", { key: "key-a" })).status).toBe(400);
    expect((await raw("/api/v1/proj-b/jobs?limit=1", { key: "key-a" })).status).toBe(404);
  });

  it("an unknown job answers 404 on getJob and cancelJob", async () => {
    install();
    for (const method of ["GET", "DELETE"]) {
      const answer = await raw(`${P}/jobs/9007199254740991`, { method });
      expect(answer.status).toBe(404);
      expect(answer.body.detail).toBe(`Job 9007199254740991 was not found in project ${DEFAULT_PROJECT_KEY}.`);
    }
  });
});

describe("options and test controls", () => {
  it("uses Date.now when no clock is given", async () => {
    const mock = createStatefulHandlers();
    server.use(...mock.handlers);
    const before = Date.now();
    const job = (await schedule(clientFor("k"), DEFAULT_PROJECT_KEY, "u")).data!.data;
    expect(job.createdAt).toBeGreaterThanOrEqual(before);
    expect(job.createdAt).toBeLessThanOrEqual(Date.now());
    expect(job.startAt).toBe(job.createdAt);
  });

  it("advance refuses moves the runner never makes", async () => {
    const mock = install();
    const client = clientFor("k");
    const jobId = (await schedule(client, DEFAULT_PROJECT_KEY, "u")).data!.data.jobId;
    expect(() => mock.jobs.advance(jobId, "completed", "why")).toThrow(/Only a failed job has errors/);
    mock.jobs.advance(jobId, "running");
    expect(() => mock.jobs.advance(jobId, "running")).toThrow(/is running and cannot become running/);
    mock.jobs.advance(jobId, "completed");
    expect(() => mock.jobs.advance(jobId, "failed")).toThrow(/is completed/);
    expect(() => mock.jobs.advance(999, "running")).toThrow(/No job 999/);
    await cancel(client, DEFAULT_PROJECT_KEY, (await schedule(client, DEFAULT_PROJECT_KEY, "v")).data!.data.jobId);
    expect(() => mock.jobs.advance(2, "running")).toThrow(/is cancelled/);
  });

  it("list returns copies, throws for an unknown project, and reset forgets every job", async () => {
    const mock = install();
    const client = clientFor("k");
    await schedule(client, DEFAULT_PROJECT_KEY, "u");
    (mock.jobs.list()[0] as { status: string }).status = "completed";
    expect(mock.jobs.list()[0]?.status).toBe("scheduled");
    expect(() => mock.jobs.list("nope")).toThrow(/No project nope/);
    mock.jobs.reset();
    expect(mock.jobs.list()).toEqual([]);
    expect((await schedule(client, DEFAULT_PROJECT_KEY, "u")).data?.data.jobId).toBe(1);
  });
});
