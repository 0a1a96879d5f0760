// The example-based MSW handlers (client/msw) in Node, through msw/node and the typed client:
// default answers are the spec's first success examples, every declared (status, example) is
// reachable with Prefer and programmatically (scenario option, exampleHandler in server.use,
// exampleResponse), Authorization and invalid parameters are refused as the Prism mock does.
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createJobsClient, type JobsClient } from "../../client/index.js";
import { createExampleHandlers, DEFAULT_BASE_URL, exampleHandler, exampleResponse } from "../../client/msw/index.js";
import { call, declared, defaultExample, DOC_PROJECT_KEY } from "./support.js";
import { contract } from "../../client/contract/index.js";

const server = setupServer(...createExampleHandlers());
let client: JobsClient;

beforeAll(() => {
  server.listen({ onUnhandledRequest: "error" });
  client = createJobsClient({ baseUrl: DEFAULT_BASE_URL, apiKey: "any-key" });
});
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const operationIds = contract.operations.map((o) => o.operationId);

describe("default answers", () => {
  it("listens on the Prism mock's address by default", () => {
    expect(DEFAULT_BASE_URL).toBe("http://127.0.0.1:4010");
  });

  it.each(operationIds)("%s answers its first 200 example, exactly, with the declared headers", async (operationId) => {
    const expected = defaultExample(operationId);
    const { data, error, response } = await call(operationId)(client);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(error).toBeUndefined();
    expect(data).toEqual(expected.body);
    for (const [name, value] of Object.entries(expected.headers)) expect(response.headers.get(name)).toBe(value);
  });

  it("listJobs sends the spec's Link example, as Prism does", async () => {
    const { response } = await call("listJobs")(client);
    expect(response.headers.get("Link")).toBe('</api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3452>; rel="next"');
  });

  it("path values do not change the answer (job 9999 is still the first example)", async () => {
    const { data } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey: "other", jobId: 9999 } } });
    expect(data).toEqual(defaultExample("getJob").body);
  });

  it("listAllJobs over the example handlers yields the example's jobs once (the Link does not advance)", async () => {
    const jobs = [];
    for await (const job of client.listAllJobs(DOC_PROJECT_KEY, { pageSize: 2 })) jobs.push(job);
    expect(jobs).toEqual((defaultExample("listJobs").body as { data: unknown[] }).data);
  });
});

describe("choosing the answer per request with Prefer (as with the Prism mock)", () => {
  it.each(declared.map((d) => [`${d.operationId} ${d.status} ${d.example}`, d] as const))(
    "%s: Prefer: code, example answers that status, body and headers",
    async (_, d) => {
      const { data, error, response } = await call(d.operationId)(client, { headers: { Prefer: `code=${d.code}, example=${d.example}` } });
      expect(response.status).toBe(d.code);
      expect(response.headers.get("Content-Type")).toBe(d.mediaType);
      expect(d.code < 300 ? data : error).toEqual(d.body);
      for (const [name, value] of Object.entries(d.headers)) expect(response.headers.get(name)).toBe(value);
    },
  );

  it.each(declared.filter((d) => d.first).map((d) => [`${d.operationId} ${d.status}`, d] as const))(
    "%s: Prefer: code alone answers the first example of that status",
    async (_, d) => {
      const { data, error, response } = await call(d.operationId)(client, { headers: { Prefer: `code=${d.code}` } });
      expect(response.status).toBe(d.code);
      expect(data ?? error).toEqual(d.body);
    },
  );

  it("Prefer: example alone picks a named success example", async () => {
    const { data } = await call("getJob")(client, { headers: { Prefer: "example=completedJob" } });
    expect(data).toMatchObject({ data: { jobId: 3455, status: "completed" } });
  });

  it("a status the operation does not declare answers the default response's example with that status", async () => {
    const { error, response } = await call("getJob")(client, { headers: { Prefer: "code=502" } });
    expect(response.status).toBe(502);
    expect(error).toMatchObject({ type: "urn:problem:jobs-api:internal", status: 500 });
  });

  it("an example the operation does not have answers Prism's own 404 NOT_FOUND problem", async () => {
    const { error, response } = await call("getJob")(client, { headers: { Prefer: "example=emptyJobList" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(error).toEqual({
      type: "https://stoplight.io/prism/errors#NOT_FOUND",
      title: "The server cannot find the requested content",
      status: 404,
      detail: "Response for contentType: application/json and exampleKey: emptyJobList does not exist.",
    });
  });

  it("a code that is not a number answers Prism's 422", async () => {
    const { response } = await call("getJob")(client, { headers: { Prefer: "code=abc" } });
    expect(response.status).toBe(422);
  });

  it("Prefer set once on the client applies to every request", async () => {
    const preferring = createJobsClient({ baseUrl: DEFAULT_BASE_URL, apiKey: "k", headers: { Prefer: "example=emptyJobList" } });
    const { data } = await call("listJobs")(preferring);
    expect(data).toEqual({ data: [] });
  });
});

describe("refusals, as the Prism mock gives them", () => {
  it.each(operationIds)("%s without Authorization answers the 401 problem, whatever Prefer says", async (operationId) => {
    const { error, response } = await call(operationId)(client, { headers: { Authorization: null, Prefer: "code=200" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(error).toEqual(declared.find((d) => d.operationId === operationId && d.status === "401")?.body);
  });

  it("accepts any Authorization value, raw or Bearer", async () => {
    for (const value of ["x", "Bearer x"]) {
      const { response } = await call("getJob")(client, { headers: { Authorization: value } });
      expect(response.status).toBe(200);
    }
  });

  it.each([
    ["listJobs limit over 1000", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=1001`, "invalidQuery"],
    ["listJobs status outside the enum", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs?status=done`, "invalidQuery"],
    ["listJobs negative after", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs?after=-1`, "invalidQuery"],
    ["listJobs repeated limit", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=1&limit=2`, "invalidQuery"],
    ["getJob jobId not an integer", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs/abc`, "invalidJobId"],
    ["getJob jobId 0", "GET", `/api/v1/${DOC_PROJECT_KEY}/jobs/0`, "invalidJobId"],
    ["cancelJob jobId 1.5", "DELETE", `/api/v1/${DOC_PROJECT_KEY}/jobs/1.5`, "invalidJobId"],
    ["deleteUserData userId over 256 characters", "DELETE", `/api/v1/${DOC_PROJECT_KEY}/users/${"a".repeat(257)}`, "invalidUserId"],
    ["deleteUserData userId with a control character", "DELETE", `/api/v1/${DOC_PROJECT_KEY}/users/a%01b`, "invalidUserId"],
    ["listJobs projectKey outside its pattern", "GET", "/api/v1/not.a.key/jobs", "invalidQuery"],
  ])("%s answers 400 with the operation's 400 example", async (_, method, path, example) => {
    const response = await fetch(`${DEFAULT_BASE_URL}${path}`, { method, headers: { Authorization: "k" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(declared.find((d) => d.example === example)?.body);
  });

  it("answers a path that is not valid percent-encoding with the 400 example (msw alone would answer 500)", async () => {
    for (const [method, path, example] of [
      ["DELETE", `/api/v1/${DOC_PROJECT_KEY}/users/a%`, "invalidUserId"],
      ["GET", `/api/v1/${DOC_PROJECT_KEY}/jobs/%ED%A0%80`, "invalidJobId"],
      ["GET", "/api/v1/%G1/jobs", "invalidQuery"],
    ] as const) {
      const response = await fetch(`${DEFAULT_BASE_URL}${path}`, { method, headers: { Authorization: "k" } });
      expect([path, response.status]).toEqual([path, 400]);
      expect(await response.json()).toEqual(declared.find((d) => d.example === example)?.body);
      expect((await fetch(`${DEFAULT_BASE_URL}${path}`, { method })).status).toBe(401);
    }
  });

  it("ignores query parameters the operation does not declare, as Prism does", async () => {
    const response = await fetch(`${DEFAULT_BASE_URL}/api/v1/${DOC_PROJECT_KEY}/jobs/1?unknown=1`, { headers: { Authorization: "k" } });
    expect(response.status).toBe(200);
  });
});

describe("choosing the answer in a test (programmatic)", () => {
  it("scenario sets what an operation answers when the request sends no Prefer", async () => {
    server.use(...createExampleHandlers({ scenario: { getJob: { example: "failedJob" }, cancelJob: { status: 501 } } }));
    const job = await call("getJob")(client);
    expect(job.data).toMatchObject({ data: { status: "failed" } });
    const cancel = await call("cancelJob")(client);
    expect(cancel.response.status).toBe(501);
    expect(cancel.error).toMatchObject({ type: "urn:problem:jobs-api:job-not-cancellable" });
  });

  it("exampleHandler overrides one operation with server.use; a request's own Prefer still wins", async () => {
    server.use(exampleHandler("getJob", { status: 404, example: "projectNotFound" }));
    const { error, response } = await call("getJob")(client);
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ detail: "Project 3sWXSsqHgSKnE87YkNJK was not found." });
    const preferred = await call("getJob")(client, { headers: { Prefer: "example=runningJob" } });
    expect(preferred.data).toMatchObject({ data: { status: "running" } });
    // The other operations keep their defaults.
    expect((await call("listJobs")(client)).response.status).toBe(200);
  });

  it("exampleHandler refuses, when it is made, an example the operation does not have", () => {
    expect(() => exampleHandler("getJob", { example: "emptyJobList" })).toThrow(/getJob has no answer/);
  });

  it("exampleResponse builds the Prism answer for use in any handler", async () => {
    server.use(http.get(`${DEFAULT_BASE_URL}/api/v1/:projectKey/jobs/:jobId`, () => exampleResponse("getJob", { status: 429 })));
    const { error, response } = await call("getJob")(client);
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("30");
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(error).toMatchObject({ type: "urn:problem:jobs-api:rate-limited" });
  });

  it("exampleResponse with no choice is the success example; with an unknown example it throws", async () => {
    const response = exampleResponse("deleteUserData");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(defaultExample("deleteUserData").body);
    expect(() => exampleResponse("listJobs", { example: "nope" })).toThrow(/listJobs has no answer/);
  });

  it("baseUrl: '*' matches any origin", async () => {
    server.use(...createExampleHandlers({ baseUrl: "*", scenario: { listJobs: { example: "emptyJobList" } } }));
    const elsewhere = createJobsClient({ baseUrl: "https://jobs.example.test", apiKey: "k" });
    const { data } = await call("listJobs")(elsewhere);
    expect(data).toEqual({ data: [] });
  });
});
