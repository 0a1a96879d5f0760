import { describe, expect, it, vi } from "vitest";
import { createJobsClient, JobsApiError, JobWaitTimeoutError, type JobStatus } from "../../client/index.js";
import { fakeFetch, hangingResponse, job, json, problem } from "./fake-fetch.js";

const baseUrl = "http://api.test:3000";
const projectKey = "3sWXSsqHgSKnE87YkNJK";

/** A fetch whose getJob answers walk through these statuses, then stay on the last one. */
function statuses(...sequence: JobStatus[]) {
  return fakeFetch((_, i) => json({ data: job(3451, sequence[Math.min(i, sequence.length - 1)]) }));
}

describe("waitForJob", () => {
  it("polls getJob until the job completes and resolves with the completed job", async () => {
    const fetch = statuses("scheduled", "scheduled", "running", "completed");
    const client = createJobsClient({ baseUrl, apiKey: "org-key", fetch });
    const done = await client.waitForJob(projectKey, 3451, { intervalMs: 0 });
    expect(done).toEqual(job(3451, "completed"));
    expect(fetch.requests).toHaveLength(4);
    expect(new Set(fetch.requests.map((r) => `${r.method} ${r.url} ${r.headers.get("Authorization")}`))).toEqual(
      new Set([`GET ${baseUrl}/api/v1/${projectKey}/jobs/3451 org-key`]),
    );
  });

  it.each(["failed", "cancelled"] as const)("resolves on the final status %s as well", async (final) => {
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch: statuses("running", final) });
    expect((await client.waitForJob(projectKey, 3451, { intervalMs: 0 })).status).toBe(final);
  });

  it("resolves as soon as the job reaches a status given in until", async () => {
    const fetch = statuses("scheduled", "running", "completed");
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect((await client.waitForJob(projectKey, 3451, { until: "running", intervalMs: 0 })).status).toBe("running");
    expect(fetch.requests).toHaveLength(2);
  });

  it("accepts a list in until, and still stops on a final status the list does not name", async () => {
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch: statuses("scheduled", "failed") });
    const job = await client.waitForJob(projectKey, 3451, { until: ["running"], intervalMs: 0 });
    expect(job.status).toBe("failed");
  });

  it("answers at once, with one request, for a job that is already final", async () => {
    const fetch = statuses("completed");
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect((await client.waitForJob(projectKey, 3451)).status).toBe("completed");
    expect(fetch.requests).toHaveLength(1);
  });

  it("rejects with JobsApiError carrying the status and the problem when getJob answers 404", async () => {
    const body = problem(404, "Job 3451 was not found in project 3sWXSsqHgSKnE87YkNJK.");
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch: fakeFetch(() => json(body, 404)) });
    const error = await client.waitForJob(projectKey, 3451).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ name: "JobsApiError", status: 404, problem: body });
    expect((error as Error).message).toBe(
      "getJob 3451 of project 3sWXSsqHgSKnE87YkNJK answered 404: Job 3451 was not found in project 3sWXSsqHgSKnE87YkNJK.",
    );
  });

  it("rejects with JobsApiError and no problem when an error answer has no problem body", async () => {
    const client = createJobsClient({
      baseUrl,
      apiKey: "k",
      fetch: fakeFetch(() => new Response("<html>Bad gateway</html>", { status: 502 })),
    });
    const error = await client.waitForJob(projectKey, 3451).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, problem: undefined });
  });

  it("rejects with JobWaitTimeoutError holding the last job seen when the job does not finish in time", async () => {
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch: statuses("scheduled", "running") });
    // Fake timers: 30 ms of the client's time, whatever the machine's load (real 30 ms could pass
    // before the second answer, and the error held the first).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let error: unknown;
    try {
      const waiting = client.waitForJob(projectKey, 3451, { intervalMs: 1, timeoutMs: 30 }).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(30);
      error = await waiting;
    } finally {
      vi.useRealTimers();
    }
    expect(error).toBeInstanceOf(JobWaitTimeoutError);
    expect(error).toMatchObject({ name: "TimeoutError", timeoutMs: 30, job: job(3451, "running") });
    expect((error as Error).message).toBe("Job 3451 is still running after 30 ms of waiting");
  });

  it("times out a request that never answers and aborts it", async () => {
    const fetch = fakeFetch(hangingResponse);
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    const error = await client.waitForJob(projectKey, 3451, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobWaitTimeoutError);
    expect(error).toMatchObject({ job: undefined });
    expect(fetch.requests[0]?.signal.aborted).toBe(true);
  });

  it("rejects with the abort reason, unchanged, when the signal aborts between polls", async () => {
    const controller = new AbortController();
    const reason = new Error("the dialog was closed");
    const fetch = fakeFetch((_, i) => {
      if (i === 1) controller.abort(reason);
      return json({ data: job(3451, "scheduled") });
    });
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    await expect(client.waitForJob(projectKey, 3451, { intervalMs: 0, timeoutMs: Infinity, signal: controller.signal })).rejects.toBe(
      reason,
    );
    expect(fetch.requests).toHaveLength(2);
  });

  it("rejects with the abort reason and aborts the request in flight", async () => {
    const controller = new AbortController();
    const fetch = fakeFetch((request) => {
      queueMicrotask(() => controller.abort("navigated away"));
      return hangingResponse(request);
    });
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    await expect(client.waitForJob(projectKey, 3451, { signal: controller.signal })).rejects.toBe("navigated away");
    expect(fetch.requests[0]?.signal.aborted).toBe(true);
  });

  it("rejects with a DOMException AbortError when aborted without a reason", async () => {
    const controller = new AbortController();
    const fetch = fakeFetch(() => {
      controller.abort();
      return json({ data: job(3451, "running") });
    });
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    const error = await client.waitForJob(projectKey, 3451, { intervalMs: 0, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: "AbortError" });
  });

  it("makes no request when the signal is already aborted", async () => {
    const fetch = statuses("completed");
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    const reason = new Error("too late");
    await expect(client.waitForJob(projectKey, 3451, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fetch.requests).toHaveLength(0);
  });
});
