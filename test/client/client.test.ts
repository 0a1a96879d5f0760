import { describe, expect, it } from "vitest";
import { createJobsClient, FINAL_JOB_STATUSES, JobsApiError } from "../../client/index.js";
import { fakeFetch, job, json, problem } from "./fake-fetch.js";

const baseUrl = "http://api.test:3000";
const projectKey = "3sWXSsqHgSKnE87YkNJK";

describe("createJobsClient", () => {
  it("sends the API key raw in Authorization, with no scheme word", async () => {
    const fetch = fakeFetch(() => json({ data: job(3451) }));
    const client = createJobsClient({ baseUrl, apiKey: "2ZWmgHFQeJ8pYUK3yVdN", fetch });
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3451 } } });
    expect(fetch.requests[0]?.headers.get("Authorization")).toBe("2ZWmgHFQeJ8pYUK3yVdN");
  });

  it("builds the documented URLs for the four operations, URL-encoding path parameters", async () => {
    const fetch = fakeFetch(() => json({ data: job(1) }));
    const client = createJobsClient({ baseUrl: `${baseUrl}/`, apiKey: "k", fetch });
    await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey }, query: { limit: 2, after: 3451 } } });
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3451 } } });
    await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 3452 } } });
    await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId: "a b/c@x.com" } } });
    expect(fetch.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${baseUrl}/api/v1/${projectKey}/jobs?limit=2&after=3451`,
      `GET ${baseUrl}/api/v1/${projectKey}/jobs/3451`,
      `DELETE ${baseUrl}/api/v1/${projectKey}/jobs/3452`,
      `DELETE ${baseUrl}/api/v1/${projectKey}/users/a%20b%2Fc%40x.com`,
    ]);
  });

  it("adds the headers option to every request and lets one request drop Authorization with null", async () => {
    const fetch = fakeFetch(() => json({ data: job(1) }));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, headers: { Prefer: "example=completedJob" } });
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 1 } } });
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
      params: { path: { projectKey, jobId: 1 } },
      headers: { Authorization: null, Prefer: "code=401" },
    });
    expect(fetch.requests.map((r) => [r.headers.get("Authorization"), r.headers.get("Prefer")])).toEqual([
      ["k", "example=completedJob"],
      [null, "code=401"],
    ]);
  });

  it("lets apiKey win over an Authorization given in headers", async () => {
    const fetch = fakeFetch(() => json({ data: job(1) }));
    const client = createJobsClient({ baseUrl, apiKey: "the-key", fetch, headers: { authorization: "other" } });
    await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: 1 } } });
    expect(fetch.requests[0]?.headers.get("Authorization")).toBe("the-key");
  });

  it("returns the problem body as error and the status on response for a non-2xx answer", async () => {
    const body = problem(501, "Job 3452 is cancelled and can no longer be cancelled.");
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch: fakeFetch(() => json(body, 501)) });
    const { data, error, response } = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", {
      params: { path: { projectKey, jobId: 3452 } },
    });
    expect(data).toBeUndefined();
    expect(error).toEqual(body);
    expect(response.status).toBe(501);
  });

  it("fails at creation, not at the first request, for an API key that cannot be a header value", () => {
    expect(() => createJobsClient({ baseUrl, apiKey: "line\nbreak" })).toThrow(TypeError);
  });

  it("names completed, failed and cancelled as the final statuses", () => {
    expect([...FINAL_JOB_STATUSES].sort()).toEqual(["cancelled", "completed", "failed"]);
  });
});

describe("JobsApiError", () => {
  it("keeps status and problem and says both in its message", () => {
    const body = problem(404, "Project x was not found.");
    const error = new JobsApiError(404, body, "listJobs of project x");
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.status, error.problem, error.message]).toEqual([
      "JobsApiError",
      404,
      body,
      "listJobs of project x answered 404: Project x was not found.",
    ]);
  });

  it("has no problem when the body is not a problem document", () => {
    expect(new JobsApiError(502, "<html>").problem).toBeUndefined();
    expect(new JobsApiError(502, undefined).message).toBe("The Jobs API answered 502");
  });
});
