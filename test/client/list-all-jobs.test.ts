import { describe, expect, it } from "vitest";
import { createJobsClient, JobsApiError, type Job } from "../../client/index.js";
import { fakeFetch, hangingResponse, job, json, problem } from "./fake-fetch.js";

const baseUrl = "http://api.test:3000";
const projectKey = "3sWXSsqHgSKnE87YkNJK";
const jobsPath = `/api/v1/${projectKey}/jobs`;

async function collect(iterable: AsyncIterable<Job>): Promise<number[]> {
  const ids: number[] = [];
  for await (const j of iterable) ids.push(j.jobId);
  return ids;
}

describe("listAllJobs", () => {
  it("follows rel=next across three pages, resolving each relative target against baseUrl", async () => {
    const fetch = fakeFetch((request) => {
      const url = new URL(request.url);
      const after = Number(url.searchParams.get("after") ?? 0);
      if (after === 0) return json({ data: [job(1), job(2)] }, 200, { Link: `<${jobsPath}?limit=2&after=2>; rel="next"` });
      if (after === 2) return json({ data: [job(3), job(4)] }, 200, { Link: `<${jobsPath}?limit=2&after=4>; rel="next"` });
      return json({ data: [job(5)] });
    });
    const client = createJobsClient({ baseUrl, apiKey: "org-key", fetch });

    expect(await collect(client.listAllJobs(projectKey, { pageSize: 2 }))).toEqual([1, 2, 3, 4, 5]);
    expect(fetch.requests.map((r) => r.url)).toEqual([
      `${baseUrl}${jobsPath}?limit=2`,
      `${baseUrl}${jobsPath}?limit=2&after=2`,
      `${baseUrl}${jobsPath}?limit=2&after=4`,
    ]);
    expect(fetch.requests.map((r) => r.headers.get("Authorization"))).toEqual(["org-key", "org-key", "org-key"]);
  });

  it("sends status and the default page size of 100 on the first request", async () => {
    const fetch = fakeFetch(() => json({ data: [job(7, "failed")] }));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect(await collect(client.listAllJobs(projectKey, { status: "failed" }))).toEqual([7]);
    expect(fetch.requests.map((r) => r.url)).toEqual([`${baseUrl}${jobsPath}?status=failed&limit=100`]);
  });

  it("picks the rel=next link among several links with quoted and multi-valued rels", async () => {
    const fetch = fakeFetch((_, i) =>
      i === 0
        ? json({ data: [job(1)] }, 200, {
            Link: `<${jobsPath}?limit=1&after=0>; rel="prev first"; title="a, b", <${jobsPath}?limit=1&after=1>; rel="Next"`,
          })
        : json({ data: [job(2)] }, 200, { Link: `<${jobsPath}?limit=1>; rel="first"` }),
    );
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect(await collect(client.listAllJobs(projectKey, { pageSize: 1 }))).toEqual([1, 2]);
    expect(fetch.requests[1]?.url).toBe(`${baseUrl}${jobsPath}?limit=1&after=1`);
  });

  it("stops without repeating jobs when a next link does not advance (as the Prism mock's static Link does)", async () => {
    const fetch = fakeFetch(() => json({ data: [job(3451), job(3452)] }, 200, { Link: `<${jobsPath}?limit=2&after=3452>; rel="next"` }));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect(await collect(client.listAllJobs(projectKey, { pageSize: 2 }))).toEqual([3451, 3452]);
    expect(fetch.requests).toHaveLength(2);
  });

  it("yields nothing for an empty project and makes one request", async () => {
    const fetch = fakeFetch(() => json({ data: [] }));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect(await collect(client.listAllJobs(projectKey))).toEqual([]);
    expect(fetch.requests).toHaveLength(1);
  });

  it("requests no further page when the caller stops iterating", async () => {
    const fetch = fakeFetch((_, i) =>
      json({ data: [job(2 * i + 1), job(2 * i + 2)] }, 200, { Link: `<${jobsPath}?limit=2&after=${2 * i + 2}>; rel="next"` }),
    );
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    const ids: number[] = [];
    for await (const j of client.listAllJobs(projectKey, { pageSize: 2 })) {
      ids.push(j.jobId);
      if (j.jobId === 3) break;
    }
    expect(ids).toEqual([1, 2, 3]);
    expect(fetch.requests).toHaveLength(2);
  });

  it("rejects with JobsApiError carrying status and problem when a page answers an error", async () => {
    const body = problem(429, "Too many requests for this API key; retry in 30 seconds.");
    const fetch = fakeFetch((_, i) =>
      i === 0 ? json({ data: [job(1)] }, 200, { Link: `<${jobsPath}?limit=1&after=1>; rel="next"` }) : json(body, 429),
    );
    // retry: false, or the helper would first try again (test/client/retry.test.ts).
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: false });
    const seen: number[] = [];
    const error = await (async () => {
      for await (const j of client.listAllJobs(projectKey, { pageSize: 1 })) seen.push(j.jobId);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 429, problem: body });
    expect((error as Error).message).toContain("retry in 30 seconds");
  });

  it("refuses to follow a next link to another origin, so the API key never leaves the server it was given for", async () => {
    const fetch = fakeFetch(() => json({ data: [job(1)] }, 200, { Link: '<https://evil.test/jobs?after=1>; rel="next"' }));
    const client = createJobsClient({ baseUrl, apiKey: "secret", fetch });
    await expect(collect(client.listAllJobs(projectKey))).rejects.toThrow(/another origin|Refusing/);
    expect(fetch.requests.map((r) => new URL(r.url).origin)).toEqual([baseUrl]);
  });

  it("follows an absolute next link on the same origin", async () => {
    const fetch = fakeFetch((_, i) =>
      i === 0 ? json({ data: [job(1)] }, 200, { Link: `<${baseUrl}${jobsPath}?after=1>; rel=next` }) : json({ data: [job(2)] }),
    );
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect(await collect(client.listAllJobs(projectKey))).toEqual([1, 2]);
  });

  it("sends the next-page requests through the client's middleware and default headers", async () => {
    const fetch = fakeFetch((_, i) =>
      i === 0 ? json({ data: [job(1)] }, 200, { Link: `<${jobsPath}?after=1>; rel="next"` }) : json({ data: [job(2)] }),
    );
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, headers: { Prefer: "example=documentJobList" } });
    const schemaPaths: string[] = [];
    client.use({
      onRequest({ request, schemaPath }) {
        schemaPaths.push(schemaPath);
        request.headers.set("X-Trace", "t1");
      },
    });
    expect(await collect(client.listAllJobs(projectKey))).toEqual([1, 2]);
    expect(schemaPaths).toEqual(["/api/v1/{projectKey}/jobs", "/api/v1/{projectKey}/jobs"]);
    expect(fetch.requests.map((r) => [r.headers.get("X-Trace"), r.headers.get("Prefer")])).toEqual([
      ["t1", "example=documentJobList"],
      ["t1", "example=documentJobList"],
    ]);
  });

  it("aborts the pending page request and rejects with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("user left the page");
    const fetch = fakeFetch((request) => {
      queueMicrotask(() => controller.abort(reason));
      return hangingResponse(request);
    });
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    await expect(collect(client.listAllJobs(projectKey, { signal: controller.signal }))).rejects.toBe(reason);
    expect(fetch.requests[0]?.signal.aborted).toBe(true);
  });
});
