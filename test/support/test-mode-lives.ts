// One test body for test mode, run against every target that applies it (the sandbox:
// test/cli/sandbox-test-mode.test.ts; the stateful MSW handlers: test/msw/test-mode.test.ts), with
// the same assertions: every scripted userId of the table (client/contract/test-mode.ts) lives as
// documented, and `Prefer: code=429|503, times=N` is ridden out by the client's retries after the
// advertised wait. The table is iterated, not listed: a new scripted userId is tested here.
import { expect, it } from "vitest";
import { JOB_SCRIPTS, SIMULATED_PROBLEMS, type JobScript } from "../../client/contract/test-mode.js";
import type { Job, JobsClient, JobsClientOptions, RetryEvent } from "../../client/index.js";

export interface TestModeTarget {
  /** A client of the target (its baseUrl and a key that works), with these options on top. */
  client(options?: Partial<JobsClientOptions>): JobsClient;
  projectKey: string;
}

/** Generous: the sandbox's runner takes one job at a time and the machine may be busy. */
const DEADLINE_MS = 120_000;
const POLL_MS = 100;
/** A script that runs longer than this is cancelled while running instead of waited for. */
const LONGEST_WAIT_MS = 10_000;
const FINAL: readonly string[] = ["completed", "failed", "cancelled"];

/** Polls getJob until `done(job)`; returns every status seen, in order (repeats collapsed), and the last job. */
async function follow(client: JobsClient, projectKey: string, jobId: number, done: (job: Job) => boolean) {
  const seen: string[] = [];
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const { data, error } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });
    expect(error).toBeUndefined();
    const job = data!.data;
    if (seen.at(-1) !== job.status) seen.push(job.status);
    if (done(job)) return { seen, job };
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${DEADLINE_MS} ms (seen: ${seen.join(", ")})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `seen` is `documented` with some statuses skipped (a poll may miss a short one), never reordered. */
function inDocumentedOrder(seen: readonly string[], documented: readonly string[]): boolean {
  let at = 0;
  return seen.every((status) => (at = documented.indexOf(status, at)) >= 0);
}

/** The problem the target answers for a cancel of an ended job, in the server's words. */
function notCancellable(job: Job) {
  return {
    type: "urn:problem:jobs-api:job-not-cancellable",
    status: 501,
    detail: `Job ${job.jobId} is ${job.status} and can no longer be cancelled.`,
  };
}

async function livesAsScripted(target: TestModeTarget, script: JobScript): Promise<void> {
  const client = target.client();
  const { projectKey } = target;
  const created = await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId: script.userId } } });
  expect(created.error).toBeUndefined();
  const job = created.data!.data;
  expect(job).toMatchObject({ referenceId: script.userId, status: script.statuses[0], errors: null });
  if (script.start === "at-once") expect(job.startAt).toBe(job.createdAt);
  else expect(job.startAt).toBeGreaterThanOrEqual(job.createdAt);

  const cancel = () => client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId: job.jobId } } });
  if (script.runMs > LONGEST_WAIT_MS) {
    // Long enough to cancel while it runs: the cancel lands (200) and the job stays cancelled.
    const running = await follow(client, projectKey, job.jobId, (j) => j.status !== "scheduled");
    expect(running.job.status).toBe("running");
    expect(inDocumentedOrder(running.seen, script.statuses)).toBe(true);
    const cancelled = await cancel();
    expect(cancelled.data?.data).toMatchObject({ jobId: job.jobId, status: "cancelled", errors: null });
    const after = await follow(client, projectKey, job.jobId, () => true);
    expect(after.job.status).toBe("cancelled");
    return;
  }
  if (script.endedWhenAnswered) {
    // Ended before anything else can be asked: the very next read sees it ended.
    const next = await follow(client, projectKey, job.jobId, () => true);
    expect(next.job.status).toBe(script.ends);
  }
  const ended = await follow(client, projectKey, job.jobId, (j) => FINAL.includes(j.status));
  expect(ended.job).toMatchObject({ status: script.ends, errors: script.errors });
  expect(inDocumentedOrder([job.status, ...ended.seen], script.statuses)).toBe(true);
  expect(ended.job.updatedAt - ended.job.startAt).toBeGreaterThanOrEqual(script.runMs);
  // Too late to cancel: 501, and the job is left as it was.
  const late = await cancel();
  expect(late.response.status).toBe(501);
  expect(late.error).toMatchObject(notCancellable(ended.job));
}

/** Registers the shared tests (call inside a describe whose beforeAll sets up the target). */
export function testModeTests(target: () => TestModeTarget): void {
  for (const script of JOB_SCRIPTS) {
    const life =
      script.runMs > LONGEST_WAIT_MS
        ? "scheduled → running, where a cancel lands"
        : `${script.statuses.join(" → ")}${script.errors === null ? "" : " with the scripted errors"}, then a cancel answers 501`;
    it(`${script.userId}: ${life}`, () => livesAsScripted(target(), script));
  }

  for (const [status, times] of [
    [429, 2],
    [503, 1],
  ] as const) {
    it(`Prefer: code=${status}, times=${times}: the client waits Retry-After ${times} times, then gets the answer`, async () => {
      const retries: RetryEvent[] = [];
      const client = target().client({ retry: { attempts: times + 1, onRetry: (r) => retries.push(r) } });
      const retryAfterMs = Number(SIMULATED_PROBLEMS[status].headers["Retry-After"]) * 1000;
      const started = Date.now();
      const { data, error, response } = await client.GET("/api/v1/{projectKey}/jobs", {
        params: { path: { projectKey: target().projectKey }, query: { limit: 1 } },
        headers: { Prefer: `code=${status}, times=${times}`, "X-Request-Id": `retry-${status}-${started}` },
      });
      expect(error).toBeUndefined();
      expect(response.status).toBe(200);
      expect(Array.isArray(data?.data)).toBe(true);
      expect(retries.map((r) => r.status)).toEqual(Array(times).fill(status));
      for (const r of retries) expect(r.delayMs).toBeGreaterThanOrEqual(retryAfterMs);
      expect(Date.now() - started).toBeGreaterThanOrEqual(times * retryAfterMs);
    });
  }

  it("Prefer: code=429 without times, retries off: the caller gets the problem, in the server's words", async () => {
    const client = target().client({ retry: false });
    const { error, response } = await client.GET("/api/v1/{projectKey}/jobs", {
      params: { path: { projectKey: target().projectKey } },
      headers: { Prefer: "code=429" },
    });
    const simulated = SIMULATED_PROBLEMS[429];
    expect(response.status).toBe(429);
    expect(error).toMatchObject({ type: `urn:problem:jobs-api:${simulated.kind}`, title: simulated.title, detail: simulated.detail });
    expect(error?.errors).toEqual([simulated.detail]);
    expect(error?.requestId).toBe(response.headers.get("X-Request-Id"));
    for (const [name, value] of Object.entries(simulated.headers)) expect(response.headers.get(name), name).toBe(value);
  });
}
