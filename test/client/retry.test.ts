// The client's retry policy (createJobsClient's `retry`), with a scripted fetch and fake timers:
// 429 and 503 are tried again after their Retry-After (never sooner, capped), network errors only
// where repeating is safe, every wait ends with the caller's AbortSignal, the helpers retry by
// default, and the caller still gets the final answer (JobsApiError with the problem).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createJobsClient, JobsApiError, type RetryEvent } from "../../client/index.js";
import { fakeFetch, job, json, problem } from "./fake-fetch.js";

const baseUrl = "http://api.test";
const projectKey = "proj";
const path = { projectKey, jobId: 7 };
const tooMany = (retryAfter?: string) => json(problem(429, "Too many"), 429, retryAfter === undefined ? {} : { "Retry-After": retryAfter });
const unavailable = (retryAfter?: string) => json(problem(503, "Busy"), 503, retryAfter === undefined ? {} : { "Retry-After": retryAfter });
const networkError = () => Promise.reject(new TypeError("fetch failed"));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the client run until it waits on a timer (or ends). */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("retry: 429 and 503", () => {
  it("waits at least Retry-After (and at most a tenth more) before trying again, sending the same request", async () => {
    const fetch = fakeFetch((_, i) => (i < 2 ? tooMany("2") : json({ data: job(7) })));
    const retries: RetryEvent[] = [];
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { onRetry: (r) => retries.push(r) } });
    const call = client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path }, headers: { "X-Request-Id": "call-1" } });
    await settle();
    expect(fetch.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1999);
    expect(fetch.requests).toHaveLength(1); // not before Retry-After
    await vi.advanceTimersByTimeAsync(2 * 2200);
    const { data, response } = await call;
    expect(response.status).toBe(200);
    expect(data?.data.jobId).toBe(7);
    expect(fetch.requests).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.status])).toEqual([
      [1, 429],
      [2, 429],
    ]);
    for (const r of retries) {
      expect(r.delayMs).toBeGreaterThanOrEqual(2000);
      expect(r.delayMs).toBeLessThanOrEqual(2200);
    }
    expect(
      new Set(fetch.requests.map((r) => `${r.method} ${r.url} ${r.headers.get("X-Request-Id")} ${r.headers.get("Authorization")}`)).size,
    ).toBe(1);
  });

  it("reads Retry-After as an HTTP date too", async () => {
    const fetch = fakeFetch((_, i) => (i === 0 ? unavailable(new Date(Date.now() + 5000).toUTCString()) : json({ data: job(7) })));
    const retries: RetryEvent[] = [];
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { onRetry: (r) => retries.push(r) } });
    const call = client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
    await vi.advanceTimersByTimeAsync(6000);
    expect((await call).response.status).toBe(200);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(4000); // the date has whole seconds
  });

  it("backs off without Retry-After, within maxDelayMs", async () => {
    const fetch = fakeFetch((_, i) => (i < 2 ? unavailable() : json({ data: job(7) })));
    const retries: RetryEvent[] = [];
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { maxDelayMs: 300, onRetry: (r) => retries.push(r) } });
    const call = client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
    await vi.advanceTimersByTimeAsync(600);
    expect((await call).response.status).toBe(200);
    expect(retries).toHaveLength(2);
    for (const r of retries) expect(r.delayMs).toBeLessThanOrEqual(300);
  });

  it("returns the 429 at once when Retry-After asks for longer than maxDelayMs", async () => {
    const fetch = fakeFetch(() => tooMany("60"));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { maxDelayMs: 10_000 } });
    const { error, response } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
    expect(response.status).toBe(429);
    expect(error).toMatchObject({ status: 429, detail: "Too many" });
    expect(fetch.requests).toHaveLength(1);
  });

  it("gives the last answer after `attempts` tries: waitForJob rejects with JobsApiError and the problem", async () => {
    const fetch = fakeFetch(() => tooMany("1"));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { attempts: 2 } });
    const waiting = client.waitForJob(projectKey, 7).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1200);
    const error = await waiting;
    expect(error).toBeInstanceOf(JobsApiError);
    expect(error).toMatchObject({ status: 429, problem: problem(429, "Too many") });
    expect(fetch.requests).toHaveLength(2);
  });

  it("does not retry other errors (404, 501, 500)", async () => {
    for (const status of [404, 501, 500]) {
      const fetch = fakeFetch(() => json(problem(status, "no"), status, { "Retry-After": "1" }));
      const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: true });
      expect((await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } })).response.status).toBe(status);
      expect(fetch.requests, String(status)).toHaveLength(1);
    }
  });

  it("retries a cancel after 429 or 503: the server did nothing", async () => {
    const fetch = fakeFetch((_, i) => (i === 0 ? unavailable("1") : json({ data: job(7, "cancelled") })));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: true });
    const call = client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } });
    await vi.advanceTimersByTimeAsync(1200);
    expect((await call).data?.data.status).toBe("cancelled");
  });
});

describe("retry: network errors, only where repeating is safe", () => {
  it("repeats a GET and deleteUserData (idempotent while the job is pending)", async () => {
    for (const send of [
      (c: ReturnType<typeof createJobsClient>) => c.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } }),
      (c: ReturnType<typeof createJobsClient>) =>
        c.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId: "ana@example.com" } } }),
    ]) {
      const fetch = fakeFetch((_, i) => (i === 0 ? networkError() : json({ data: job(7) })));
      const call = send(createJobsClient({ baseUrl, apiKey: "k", fetch, retry: true }));
      await vi.advanceTimersByTimeAsync(2000);
      expect((await call).data?.data.jobId).toBe(7);
      expect(fetch.requests).toHaveLength(2);
    }
  });

  it("never repeats a cancel: the first may have landed", async () => {
    const fetch = fakeFetch(() => networkError());
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: { attempts: 5 } });
    await expect(client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } })).rejects.toThrow("fetch failed");
    expect(fetch.requests).toHaveLength(1);
  });
});

describe("retry: the caller's AbortSignal", () => {
  it("ends a wait at once with the signal's reason, and nothing more is sent", async () => {
    const fetch = fakeFetch(() => tooMany("30"));
    const controller = new AbortController();
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: true });
    const call = client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path }, signal: controller.signal }).catch((e: unknown) => e);
    await settle();
    const reason = new Error("closed the dialog");
    controller.abort(reason);
    expect(await call).toBe(reason);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch.requests).toHaveLength(1);
  });

  it("waitForJob's timeout ends a retry wait too", async () => {
    const fetch = fakeFetch(() => tooMany("20"));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    const waiting = client.waitForJob(projectKey, 7, { timeoutMs: 5000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await waiting).toMatchObject({ name: "TimeoutError" });
    expect(fetch.requests).toHaveLength(1);
  });
});

describe("retry: who retries", () => {
  it("unset: your own calls do not retry; listAllJobs and waitForJob do", async () => {
    const fetch = fakeFetch((request) => (request.headers.get("X-Try") === "again" ? json({ data: job(7, "completed") }) : tooMany("1")));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch });
    expect((await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path } })).response.status).toBe(429);
    expect(fetch.requests).toHaveLength(1);

    const helpers = fakeFetch((_, i) =>
      i % 2 === 0 ? tooMany("1") : i === 1 ? json({ data: [job(1)] }) : json({ data: job(7, "completed") }),
    );
    const retried = createJobsClient({ baseUrl, apiKey: "k", fetch: helpers });
    const listed = (async () => {
      const ids: number[] = [];
      for await (const j of retried.listAllJobs(projectKey)) ids.push(j.jobId);
      return ids;
    })();
    await vi.advanceTimersByTimeAsync(1200);
    expect(await listed).toEqual([1]);
    const waited = retried.waitForJob(projectKey, 7);
    await vi.advanceTimersByTimeAsync(1200);
    expect((await waited).status).toBe("completed");
    expect(helpers.requests).toHaveLength(4);
  });

  it("false: nothing retries, the helpers included", async () => {
    const fetch = fakeFetch(() => tooMany("1"));
    const client = createJobsClient({ baseUrl, apiKey: "k", fetch, retry: false });
    await expect(client.waitForJob(projectKey, 7)).rejects.toMatchObject({ status: 429 });
    expect(fetch.requests).toHaveLength(1);
  });
});
