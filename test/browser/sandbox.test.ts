// The sandbox clicked through from a browser: `jobs-api sandbox` runs as a child process, and
// headless Chromium opens a page served from http://localhost:PORT (another origin: every call
// is a CORS request with a preflight) that uses the bundled typed client with a made-up key.
// The page schedules a deletion, finds it in the list, sees it running and then completed;
// cancels another job, sees it cancelled, and gets 501 when cancelling it again.
// Every wait is a poll of the API with a generous deadline; nothing relies on a sleep.
import type { ChildProcess } from "node:child_process";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../client/index.js";
import { servePage, type PageServer } from "../support/browser-client.js";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { spawnCli, waitForOutput } from "../support/cli.js";

// The page's code, as a frontend would write it: plain answers back to the test.
const PAGE_SCRIPT = `
import { createJobsClient } from "/client.js";

let client;
let projectKey;
const answer = (result) => ({
  status: result.response.status,
  contentType: result.response.headers.get("Content-Type"),
  data: result.data,
  error: result.error,
});

window.sandbox = {
  connect(baseUrl, key, apiKey) {
    client = createJobsClient({ baseUrl, apiKey });
    projectKey = key;
  },
  async deleteUser(userId) {
    return answer(await client.DELETE("/api/v1/{projectKey}/users/{userId}", { params: { path: { projectKey, userId } } }));
  },
  async list() {
    return answer(await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } }));
  },
  async get(jobId) {
    return answer(await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } }));
  },
  async cancel(jobId) {
    return answer(await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } }));
  },
};
`;

interface Answer<T> {
  status: number;
  contentType: string | null;
  data: T | undefined;
  error: { status?: number; title?: string; detail?: string } | undefined;
}

/** Generous: under load the runner may first finish the demo's own jobs (each paced). */
const DEADLINE = { timeout: 120_000, interval: 250 };
const FINAL = ["completed", "failed", "cancelled"];

describe.skipIf(skipWithoutChromium())("the sandbox from a browser page on http://localhost (Chromium)", () => {
  let sandbox: ChildProcess;
  let sandboxUrl: string;
  let projectKey: string;
  let pageServer: PageServer;
  let chromium: LaunchedChromium;
  let page: Page;

  type PageApi = Record<string, (...args: unknown[]) => unknown>;
  const call = <T>(name: "deleteUser" | "list" | "get" | "cancel", arg?: unknown) =>
    page.evaluate(([n, a]) => (window as unknown as { sandbox: PageApi }).sandbox[n]!(a), [name, arg] as const) as Promise<Answer<T>>;
  const getJob = async (jobId: number): Promise<Job> => {
    const got = await call<{ data: Job }>("get", jobId);
    expect(got.status, JSON.stringify(got.error)).toBe(200);
    return got.data!.data;
  };

  beforeAll(async () => {
    sandbox = spawnCli(["sandbox"], { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" });
    const [printed] = await waitForOutput(sandbox, /[\s\S]*Ctrl-C stops the sandbox[^\n]*\n/, 90_000);
    sandboxUrl = /jobs-api sandbox listening on (http:\/\/\S+)/.exec(printed)![1]!;
    projectKey = /Project key\s+(\S+)/.exec(printed)![1]!;
    pageServer = await servePage(PAGE_SCRIPT);
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    // localhost, not 127.0.0.1: the origin a dev server shows, and a different origin from the API's.
    await page.goto(`http://localhost:${pageServer.port}/`);
    await page.waitForFunction(() => "sandbox" in window);
    const connect = ([url, key]: string[]) => (window as unknown as { sandbox: PageApi }).sandbox.connect!(url, key, "my-made-up-key");
    await page.evaluate(connect, [sandboxUrl, projectKey]);
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await pageServer?.close();
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((resolve) => sandbox.once("exit", resolve));
      sandbox.kill("SIGTERM");
      await exited;
    }
  });

  it("schedules a deletion, sees it in the list, running, then completed", async () => {
    const scheduled = await call<{ data: Job }>("deleteUser", "ana@example.com");
    expect(scheduled.status, JSON.stringify(scheduled.error)).toBe(200);
    const job = scheduled.data!.data;
    expect(job.status).toBe("scheduled");
    expect(job.startAt).toBeGreaterThan(job.createdAt); // the sandbox's start delay

    const list = await call<{ data: Job[] }>("list");
    expect(list.status).toBe(200);
    expect(list.data!.data.map((j) => j.jobId)).toContain(job.jobId);

    // Running, seen while it lasts (a paced deletion of 120 sessions); fail at once if it ended unseen.
    await expect
      .poll(async () => (await getJob(job.jobId)).status, DEADLINE)
      .toSatisfy((s: string) => s === "running" || FINAL.includes(s));
    const running = await getJob(job.jobId);
    expect(running.status).toBe("running");
    expect(running.updatedAt).toBeGreaterThanOrEqual(running.startAt); // when the runner took it up

    await expect.poll(async () => (await getJob(job.jobId)).status, DEADLINE).toSatisfy((s: string) => FINAL.includes(s));
    const completed = await getJob(job.jobId);
    expect(completed.status).toBe("completed");
    expect(completed.errors).toBeNull();
    // Paced: 120 sessions at 20 a second cannot take less than about 6 s (a lower bound only).
    expect(completed.updatedAt - running.updatedAt).toBeGreaterThanOrEqual(5000);
  });

  it("cancels another job, sees it cancelled, then gets 501 when cancelling it again", async () => {
    const scheduled = await call<{ data: Job }>("deleteUser", "li@example.com");
    expect(scheduled.status).toBe(200);
    const jobId = scheduled.data!.data.jobId;

    const cancelled = await call<{ data: Job }>("cancel", jobId);
    expect(cancelled.status, JSON.stringify(cancelled.error)).toBe(200);
    expect(cancelled.data!.data.status).toBe("cancelled");
    expect((await getJob(jobId)).status).toBe("cancelled");
    const listed = await call<{ data: Job[] }>("list");
    expect(listed.data!.data.find((j) => j.jobId === jobId)?.status).toBe("cancelled");

    const again = await call("cancel", jobId);
    expect(again.status).toBe(501);
    expect(again.contentType).toMatch(/^application\/problem\+json/);
    expect(again.error?.status).toBe(501);
  });
});
