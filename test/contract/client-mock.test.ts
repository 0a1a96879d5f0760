// The typed client against the Prism mock (`npm run mock`): every operation × every status and
// named example declared in openapi.yaml (read from generated/openapi.json, so a new status or
// example shows up here), the document's own examples served verbatim, 401 without a key, what
// Prism does with bad input and CORS, and the helpers (listAllJobs, waitForJob) over the mock.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createJobsClient, JobsApiError, JobWaitTimeoutError, type JobsClient } from "../../client/index.js";
import { bundleClientForBrowser } from "../support/browser-client.js";
import { launchChromium, skipWithoutChromium } from "../support/chromium.js";
import { type RunningMock, startMock } from "../support/mock.js";
import { DOCUMENT_PROJECT_KEY, documentJob3451, documentJob3452 } from "../support/document.js";
import { contract } from "../../client/contract/index.js";
import { call, declared } from "../msw/support.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const projectKey = DOCUMENT_PROJECT_KEY;
const schemas = { Job: contract.schema("Job") as { required: string[] }, JobStatus: contract.schema("JobStatus") as { enum: string[] } };

// What mock/start.mjs tells its user to send (`Prefer: example=NAME`, `Prefer: code=STATUS`):
// every example and status it names must be one the spec declares, or the instructions lie.
const mockInstructions = readFileSync(join(root, "mock", "start.mjs"), "utf8");
const instructedExamples = [...mockInstructions.matchAll(/example=(\w+)/g)].map((match) => match[1]!);
const instructedCodes = [...mockInstructions.matchAll(/code=(\d{3})/g)].map((match) => Number(match[1]));

// ---- the mock ------------------------------------------------------------------------------------

let mock: RunningMock;
let client: JobsClient;

beforeAll(async () => {
  mock = await startMock();
  client = createJobsClient({ baseUrl: mock.url, apiKey: "any-key-the-mock-accepts" });
}, 60_000);

afterAll(async () => {
  await mock?.close();
});

describe("what openapi.json declares is what this file and the mock's instructions cover", () => {
  it("declares every example and status that mock/start.mjs's instructions name", () => {
    expect(instructedExamples.length).toBeGreaterThan(0);
    for (const example of instructedExamples)
      expect(
        declared.map((s) => s.example),
        `example=${example}`,
      ).toContain(example);
    for (const code of instructedCodes)
      expect(
        declared.map((s) => s.code),
        `code=${code}`,
      ).toContain(code);
  });

  it("declares at least one example for every declared status", () => {
    for (const operation of contract.operations) {
      for (const { status } of operation.responses) {
        expect(
          declared.some((s) => s.operationId === operation.operationId && s.status === status),
          `${operation.operationId} ${status}`,
        ).toBe(true);
      }
    }
  });
});

describe("every operation × declared status × named example, through the client", () => {
  it.each(declared.map((s) => [`${s.operationId} ${s.status} ${s.example}`, s] as const))(
    "%s: Prefer: code, example answers that status and exactly that example",
    async (_, s) => {
      const { data, error, response } = await call(s.operationId)(client, {
        headers: { Prefer: `code=${s.code}, example=${s.example}` },
      });
      expect(response.status).toBe(s.code);
      expect(response.headers.get("Content-Type")).toBe(s.mediaType);
      if (s.code < 300) {
        expect(error).toBeUndefined();
        expect(data).toEqual(s.body);
      } else {
        expect(data).toBeUndefined();
        expect(error).toEqual(s.body);
        // The spec's problem examples are consistent with the status they are declared under.
        expect(error).toMatchObject({ status: s.code, errors: [(error as { detail: string }).detail] });
      }
      for (const [name, value] of Object.entries(s.headers)) expect(response.headers.get(name)).toBe(value);
    },
  );

  it.each([...new Set(declared.map((s) => `${s.operationId} ${s.status}`))])(
    "%s: Prefer: code alone answers the first example declared for that status",
    async (key) => {
      const first = declared.find((s) => `${s.operationId} ${s.status}` === key)!;
      const result = await call(first.operationId)(client, { headers: { Prefer: `code=${first.code}` } });
      expect(result.response.status).toBe(first.code);
      expect(result.data ?? result.error).toEqual(first.body);
    },
  );
});

describe("the original document's examples, served verbatim", () => {
  it("getJob with Prefer: example=documentJob answers the document's job 3451 exactly", async () => {
    const { data, response } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
      params: { path: { projectKey, jobId: 3451 } },
      headers: { Prefer: "example=documentJob" },
    });
    expect(response.status).toBe(200);
    expect(data).toEqual({ data: documentJob3451 });
  });

  it("listJobs without Prefer answers the document's two jobs", async () => {
    const { data, response } = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ data: [documentJob3451, documentJob3452] });
  });

  it("getJob without Prefer answers the document's job 3451 (the first example)", async () => {
    const { data } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 99 } } });
    expect(data).toEqual({ data: documentJob3451 });
  });

  it("cancelJob without Prefer answers the document's job 3452, cancelled", async () => {
    const { data } = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3452 } } });
    expect(data).toEqual({ data: documentJob3452 });
  });

  it("cancelJob with Prefer: code=501 answers the not-cancellable problem, as the document's 501", async () => {
    const { error, response } = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", {
      params: { path: { projectKey, jobId: 3452 } },
      headers: { Prefer: "code=501" },
    });
    expect(response.status).toBe(501);
    expect(error).toMatchObject({ type: "urn:problem:jobs-api:job-not-cancellable", status: 501 });
  });

  it("deleteUserData without Prefer answers a scheduled delete_user_data job for that user", async () => {
    const { data } = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
      params: { path: { projectKey, userId: "shekar@example.com" } },
    });
    expect(data?.data).toMatchObject({ status: "scheduled", action: "delete_user_data", referenceId: "shekar@example.com" });
  });
});

describe("authentication on the mock", () => {
  it.each(contract.operations.map((o) => o.operationId))(
    "%s without Authorization answers 401 with the unauthorized problem",
    async (operationId) => {
      const { data, error, response } = await call(operationId)(client, { headers: { Authorization: null } });
      expect(response.status).toBe(401);
      expect(response.headers.get("Content-Type")).toBe("application/problem+json");
      expect(data).toBeUndefined();
      expect(error).toEqual({
        type: "urn:problem:jobs-api:unauthorized",
        title: "Unauthorized",
        status: 401,
        detail: "Invalid API Key",
        errors: ["Invalid API Key"],
      });
    },
  );

  it("checks Authorization before honouring Prefer: code=200", async () => {
    const { response } = await call("getJob")(client, { headers: { Authorization: null, Prefer: "code=200" } });
    expect(response.status).toBe(401);
  });

  it("accepts any Authorization value, raw or Bearer (the mock checks presence, not the key)", async () => {
    for (const value of ["x", "Bearer x"]) {
      const { response } = await call("getJob")(client, { headers: { Authorization: value } });
      expect(response.status).toBe(200);
    }
  });
});

describe("what Prism answers beyond the examples", () => {
  const raw = (path: string, headers: Record<string, string> = { Authorization: "k" }) => fetch(`${mock.url}${path}`, { headers });

  it("answers 400 (not 422) with the spec's first BadRequest example for a jobId that is not an integer", async () => {
    const response = await raw(`/api/v1/${projectKey}/jobs/abc`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(declared.find((s) => s.operationId === "getJob" && s.example === "invalidJobId")?.body);
  });

  it("answers 400 with listJobs' own example for any invalid query (limit over 1000, status outside the enum)", async () => {
    for (const query of ["limit=5000", "status=done", "after=-1"]) {
      const response = await raw(`/api/v1/${projectKey}/jobs?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
      expect(await response.json()).toMatchObject({ detail: "query parameter limit must be <= 1000" });
    }
  });

  it("answers 400 for a userId over 256 characters and for a projectKey outside its pattern", async () => {
    const longUser = await fetch(`${mock.url}/api/v1/${projectKey}/users/${"a".repeat(257)}`, {
      method: "DELETE",
      headers: { Authorization: "k" },
    });
    expect(longUser.status).toBe(400);
    expect((await raw("/api/v1/not.a.key/jobs")).status).toBe(400);
  });

  it("answers its own 404 problem (not the spec's) for an example name the operation does not have", async () => {
    const { error, response } = await call("getJob")(client, { headers: { Prefer: "example=emptyJobList" } });
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ type: "https://stoplight.io/prism/errors#NOT_FOUND" });
  });

  it("answers a status the operation does not declare with the default response's example", async () => {
    const { error, response } = await call("getJob")(client, { headers: { Prefer: "code=501" } });
    expect(response.status).toBe(501);
    expect(error).toMatchObject({ type: "urn:problem:jobs-api:internal", status: 500 });
  });

  it("sends the Link header example on every listJobs 200, with or without limit", async () => {
    const response = await raw(`/api/v1/${projectKey}/jobs`);
    expect(response.headers.get("Link")).toBe('</api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3452>; rel="next"');
  });

  it("with Prefer: dynamic=true answers a random job with exactly the schema's fields (no extra properties)", async () => {
    const { data, response } = await call("getJob")(client, { headers: { Prefer: "dynamic=true" } });
    expect(response.status).toBe(200);
    const job = (data as { data: Record<string, unknown> }).data;
    expect(Object.keys(job).sort()).toEqual([...schemas.Job.required].sort());
    expect(schemas.JobStatus.enum).toContain(job.status);
    expect(typeof job.jobId).toBe("number");
  });

  it("answers a CORS preflight from another origin, allowing Authorization, Prefer and DELETE", async () => {
    const response = await fetch(`${mock.url}/api/v1/${projectKey}/jobs/3451`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:5173",
        "Access-Control-Request-Method": "DELETE",
        "Access-Control-Request-Headers": "authorization,prefer",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("DELETE");
    expect(
      response.headers
        .get("Access-Control-Allow-Headers")
        ?.toLowerCase()
        .split(/\s*,\s*/),
    ).toEqual(expect.arrayContaining(["authorization", "prefer"]));
  });

  it("lets a page of another origin read the answer and its headers (Link) with CORS", async () => {
    const response = await raw(`/api/v1/${projectKey}/jobs`, { Authorization: "k", Origin: "http://localhost:5173" });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    expect(response.headers.get("Access-Control-Expose-Headers")).toBe("*");
  });
});

describe("the client's helpers over the mock", () => {
  it("listAllJobs yields the document's two jobs once, although the mock's Link always points to another page", async () => {
    const jobs = [];
    for await (const job of client.listAllJobs(projectKey, { pageSize: 2 })) jobs.push(job);
    expect(jobs).toEqual([documentJob3451, documentJob3452]);
  });

  it("listAllJobs yields nothing for Prefer: example=emptyJobList", async () => {
    const empty = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "example=emptyJobList" } });
    const jobs = [];
    for await (const job of empty.listAllJobs(projectKey)) jobs.push(job);
    expect(jobs).toEqual([]);
  });

  it("listAllJobs rejects with JobsApiError 404 and the problem for Prefer: code=404", async () => {
    const missing = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "code=404" } });
    const error = await (async () => {
      for await (const _ of missing.listAllJobs(projectKey)) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 404, problem: { type: "urn:problem:jobs-api:not-found" } });
  });

  it("waitForJob resolves with the completedJob example", async () => {
    const completed = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "example=completedJob" } });
    const example = declared.find((s) => s.operationId === "getJob" && s.example === "completedJob")?.body;
    const job = await completed.waitForJob(projectKey, 3455, { intervalMs: 10 });
    expect({ data: job }).toEqual(example);
    expect(job).toMatchObject({ jobId: 3455, status: "completed", errors: null });
  });

  it("waitForJob with until: running resolves with the runningJob example", async () => {
    const running = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "example=runningJob" } });
    expect(await running.waitForJob(projectKey, 3454, { until: "running" })).toMatchObject({ jobId: 3454, status: "running" });
  });

  it("waitForJob resolves with a failed job (failedJob) and its errors message", async () => {
    const failed = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "example=failedJob" } });
    expect(await failed.waitForJob(projectKey, 3456)).toMatchObject({
      status: "failed",
      errors: "Deleting the sessions failed: the database did not answer in time.",
    });
  });

  it("waitForJob on the documentJob (scheduled for ever) times out with the last job it saw", async () => {
    // Fake timers: the timeout comes after the mock's first answer, however slow a busy machine
    // makes it (a real 200 ms could pass before Prism answered, and the error had no job).
    let answered!: () => void;
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const watched = createJobsClient({
      baseUrl: mock.url,
      apiKey: "k",
      fetch: async (request: Request) => {
        const response = await fetch(request);
        answered();
        return response;
      },
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const waiting = watched.waitForJob(projectKey, 3451, { intervalMs: 20, timeoutMs: 200 }).catch((e: unknown) => e);
      await firstAnswer;
      await vi.advanceTimersByTimeAsync(200);
      const error = await waiting;
      expect(error).toBeInstanceOf(JobWaitTimeoutError);
      expect(error).toMatchObject({ job: documentJob3451 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("waitForJob rejects with the caller's abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    const waiting = client.waitForJob(projectKey, 3451, { intervalMs: 20, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(waiting).rejects.toBe(reason);
  });

  it("waitForJob rejects with JobsApiError 404 and the jobNotFound problem for Prefer: code=404", async () => {
    const missing = createJobsClient({ baseUrl: mock.url, apiKey: "k", headers: { Prefer: "code=404" } });
    const error = await missing.waitForJob(projectKey, 9999).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 404, problem: { detail: "Job 9999 was not found in project 3sWXSsqHgSKnE87YkNJK." } });
  });
});

// A real browser on another origin (the page is served on its own port) using the bundled client:
// proves that the mock's CORS lets a frontend send Authorization and Prefer and read Link.
const PAGE_SCRIPT = `
import { createJobsClient } from "/client.js";
window.runScenario = async (mockUrl, projectKey) => {
  const client = createJobsClient({ baseUrl: mockUrl, apiKey: "browser-key" });
  const path = { projectKey, jobId: 3452 };
  const list = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
  const cancel = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
  const notCancellable = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", {
    params: { path },
    headers: { Prefer: "code=501" },
  });
  const user = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
    params: { path: { projectKey, userId: "shekar@example.com" } },
  });
  const noKey = await client.GET("/api/v1/{projectKey}/jobs", {
    params: { path: { projectKey } },
    headers: { Authorization: null },
  });
  const all = [];
  for await (const job of client.listAllJobs(projectKey, { pageSize: 2 })) all.push(job.jobId);
  const completed = createJobsClient({ baseUrl: mockUrl, apiKey: "k", headers: { Prefer: "example=completedJob" } });
  const done = await completed.waitForJob(projectKey, 3455, { intervalMs: 10 });
  return {
    origin: location.origin,
    list: [list.response.status, list.data?.data.length, list.response.headers.get("Link")],
    cancel: [cancel.response.status, cancel.data?.data.status],
    notCancellable: [notCancellable.response.status, notCancellable.error?.type],
    user: [user.response.status, user.data?.data.referenceId],
    noKey: [noKey.response.status, noKey.error?.detail],
    all,
    done: done.status,
  };
};
`;

describe.skipIf(skipWithoutChromium())("the bundled client in Chromium, on a page of another origin", { tags: ["chromium"] }, () => {
  let page: Server;
  let pageUrl: string;

  beforeAll(async () => {
    const script = await bundleClientForBrowser();
    page = createServer((request, response) => {
      if (request.url === "/client.js") {
        response.writeHead(200, { "Content-Type": "text/javascript" }).end(script);
      } else if (request.url === "/app.js") {
        response.writeHead(200, { "Content-Type": "text/javascript" }).end(PAGE_SCRIPT);
      } else {
        response
          .writeHead(200, { "Content-Type": "text/html" })
          .end('<!doctype html><title>frontend</title><script type="module" src="/app.js"></script>');
      }
    });
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => page?.close(resolve));
  });

  it("calls every operation with Authorization and Prefer, reads Link, and gets 401 without a key", async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.context.newPage();
      await tab.goto(pageUrl);
      await tab.waitForFunction("typeof window.runScenario === 'function'");
      const result = await tab.evaluate(`window.runScenario(${JSON.stringify(mock.url)}, ${JSON.stringify(projectKey)})`);
      expect((result as { origin: string }).origin).not.toBe(new URL(mock.url).origin);
      expect(result).toMatchObject({
        list: [200, 2, '</api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3452>; rel="next"'],
        cancel: [200, "cancelled"],
        notCancellable: [501, "urn:problem:jobs-api:job-not-cancellable"],
        user: [200, "shekar@example.com"],
        noKey: [401, "Invalid API Key"],
        all: [3451, 3452],
        done: "completed",
      });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
