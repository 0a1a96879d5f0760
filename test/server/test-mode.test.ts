// Test mode (client/contract/test-mode.ts) as the server applies it: the table's Prefer reading,
// the sandbox's simulated answers in the server's own words (the same body and headers as the real
// condition's), `times` counted per request, `delay` honoured; and `jobs-api serve` ignoring all
// of it, scripted userIds included. The scripted lives are test/cli/sandbox-test-mode.test.ts.
import { join } from "node:path";
import type { Request } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JOB_SCRIPTS,
  MAX_DELAY_MS,
  MAX_TIMES,
  SIMULATED_PROBLEMS,
  SIMULATED_RETRY_AFTER_SECONDS,
  SIMULATED_STATUSES,
  createTestModeDecider,
  parseTestModePrefer,
  simulatedProblemBody,
} from "../../client/contract/test-mode.js";
import { createJobsClient } from "../../client/index.js";
import { startSandbox, type RunningSandbox } from "../../server/cli/sandbox.js";
import { toProblem } from "../../server/http/app.js";
import { problemWords, WWW_AUTHENTICATE } from "../../server/http/problems.js";
import { deleteUserData } from "../../server/runner/actions.js";
import { StoreError } from "../../server/store/errors.js";
import { startServer } from "../../server/index.js";
import { spawnCli, waitForOutput } from "../support/cli.js";
import { temporaryFolder } from "../support/temp.js";

describe("the table's Prefer reading", () => {
  it("takes code (401, 429, 503 only), times and delay, Prism's way: commas or semicolons, the first of a name", () => {
    expect(parseTestModePrefer("code=429, times=2")).toEqual({ code: 429, times: 2 });
    expect(parseTestModePrefer('delay="250"; code=503; code=401')).toEqual({ code: 503, delayMs: 250 });
    expect(parseTestModePrefer("example=runningJob")).toEqual({});
    expect(parseTestModePrefer(null)).toEqual({});
  });

  it("ignores what it cannot use, and bounds what it can", () => {
    for (const header of ["code=404", "code=500", "code=4e2", "times=0", "times=-1", "delay=abc", "delay=1e3", "delay=-5", "code="]) {
      expect(parseTestModePrefer(header), header).toEqual({});
    }
    expect(parseTestModePrefer("delay=999999999").delayMs).toBe(MAX_DELAY_MS);
    expect(parseTestModePrefer("code=429, times=100000").times).toBe(MAX_TIMES);
  });

  it("counts `times` per X-Request-Id, else per method and URL, and forgets the oldest beyond its memory", () => {
    const decide = createTestModeDecider(2);
    const request = (url: string, headers: Record<string, string>) => ({ method: "GET", url, headers: new Headers(headers) });
    const once = { Prefer: "code=503, times=1" };
    expect(decide(request("/a", { ...once, "X-Request-Id": "one" })).status).toBe(503);
    expect(decide(request("/b", { ...once, "X-Request-Id": "one" })).status).toBeUndefined(); // same id, another URL: its second attempt
    expect(decide(request("/a", { ...once, "X-Request-Id": "two" })).status).toBe(503);
    expect(decide(request("/a", once)).status).toBe(503);
    expect(decide(request("/a", once)).status).toBeUndefined();
    expect(decide(request("/a?x=1", once)).status).toBe(503); // three keys since "one": it was forgotten
    expect(decide(request("/a", { ...once, "X-Request-Id": "one" })).status).toBe(503);
    expect(decide(request("/a", { Prefer: "code=503" })).status).toBe(503); // no times: every attempt
  });
});

describe("the simulated answers are the server's own words", () => {
  it("401: what any bad key gets", () => {
    expect(SIMULATED_PROBLEMS[401]).toMatchObject({
      detail: problemWords.invalidApiKey,
      headers: { "WWW-Authenticate": WWW_AUTHENTICATE },
    });
    expect(toProblem(Object.assign(new Error("x"), { status: 401 }), {} as Request)).toMatchObject({
      kind: SIMULATED_PROBLEMS[401].kind,
      detail: SIMULATED_PROBLEMS[401].detail,
    });
  });

  it("503: what a busy database gets", () => {
    const busy = toProblem(new StoreError("busy", "database is locked"), {} as Request);
    expect(busy).toEqual({
      status: 503,
      kind: SIMULATED_PROBLEMS[503].kind,
      detail: problemWords.unavailable,
      headers: SIMULATED_PROBLEMS[503].headers,
    });
    expect(SIMULATED_PROBLEMS[503].detail).toBe(problemWords.unavailable);
  });

  it("429: the rate limiter's words for the simulated Retry-After", () => {
    expect(SIMULATED_PROBLEMS[429].detail).toBe(problemWords.rateLimited(SIMULATED_RETRY_AFTER_SECONDS));
    expect(SIMULATED_PROBLEMS[429].headers["Retry-After"]).toBe(String(SIMULATED_RETRY_AFTER_SECONDS));
  });

  it("the scripted errors read as the runner writes a failure of the deletion", () => {
    for (const script of JOB_SCRIPTS.filter((s) => s.errors !== null))
      expect(script.errors).toMatch(new RegExp(`^${deleteUserData.title} failed: .+`));
  });
});

describe("the sandbox's Prefer answers", () => {
  let sandbox: RunningSandbox;
  let jobsUrl: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
    jobsUrl = `${sandbox.server.url}/api/v1/${sandbox.projectKey}/jobs`;
  });
  afterAll(() => sandbox?.close());

  it.each(SIMULATED_STATUSES)("code=%i answers the problem of the real condition, headers and X-Request-Id included", async (status) => {
    const answer = await fetch(jobsUrl, {
      headers: { Authorization: "any-key", Prefer: `code=${status}`, "X-Request-Id": `mine-${status}` },
    });
    expect(answer.status).toBe(status);
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
    expect(answer.headers.get("X-Request-Id")).toBe(`mine-${status}`);
    for (const [name, value] of Object.entries(SIMULATED_PROBLEMS[status].headers)) expect(answer.headers.get(name), name).toBe(value);
    const instance = new URL(jobsUrl).pathname;
    expect(await answer.json()).toEqual(simulatedProblemBody(status, { instance, requestId: `mine-${status}` }));
  });

  it("code=401 is the very answer of a request without a key", async () => {
    const simulated = await fetch(jobsUrl, { headers: { Authorization: "any-key", Prefer: "code=401", "X-Request-Id": "same" } });
    const real = await fetch(jobsUrl, { headers: { "X-Request-Id": "same" } });
    expect(await simulated.json()).toEqual(await real.json());
    expect(simulated.headers.get("WWW-Authenticate")).toBe(real.headers.get("WWW-Authenticate"));
  });

  it("times=N: the first N attempts of the same request only", async () => {
    const attempt = () => fetch(jobsUrl, { headers: { Authorization: "k", Prefer: "code=429, times=2", "X-Request-Id": "times-test" } });
    expect([(await attempt()).status, (await attempt()).status, (await attempt()).status]).toEqual([429, 429, 200]);
  });

  it("a request the server refuses anyway (no key, bad parameter) gets that answer, not the simulated one", async () => {
    expect((await fetch(jobsUrl, { headers: { Prefer: "code=503" } })).status).toBe(401);
    expect((await fetch(`${jobsUrl}?limit=0`, { headers: { Authorization: "k", Prefer: "code=503" } })).status).toBe(400);
  });

  it("delay=<ms> answers no sooner than asked, with the usual answer", async () => {
    const started = performance.now();
    const answer = await fetch(jobsUrl, { headers: { Authorization: "k", Prefer: "delay=300" } });
    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe("jobs-api serve ignores test mode", () => {
  const folder = temporaryFolder("serve-test-mode-");
  let child: ReturnType<typeof spawnCli>;
  let baseUrl: string;
  let apiKey: string;
  let projectKey: string;
  beforeAll(async () => {
    child = spawnCli(["serve", "--demo"], {
      DATABASE_URL: `sqlite:${join(folder, "jobs.db")}`,
      PORT: "0",
      HOST: "127.0.0.1",
      JOBS_START_DELAY: "0s",
      JOBS_POLL_INTERVAL: "100ms",
    });
    const printed = await waitForOutput(child, /API key[^:]*: (\S+)[\s\S]*curl -s (http:\/\/[^/\s]+)\/api\/v1\/([^/\s]+)\/jobs /);
    [apiKey, baseUrl, projectKey] = [printed[1]!, printed[2]!, printed[3]!];
  });
  afterAll(async () => {
    child?.kill("SIGTERM");
    await new Promise((resolve) => child?.once("exit", resolve));
  });

  it("Prefer: code=401|429|503 and delay change nothing", async () => {
    for (const prefer of [...SIMULATED_STATUSES.map((status) => `code=${status}`), `delay=${MAX_DELAY_MS}`]) {
      const answer = await fetch(`${baseUrl}/api/v1/${projectKey}/jobs?limit=1`, { headers: { Authorization: apiKey, Prefer: prefer } });
      expect(answer.status, prefer).toBe(200);
    }
  });

  it("the scripted userIds are ordinary users: their jobs start as usual and complete, without errors", async () => {
    const client = createJobsClient({ baseUrl, apiKey });
    for (const script of JOB_SCRIPTS) {
      const { data } = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
        params: { path: { projectKey, userId: script.userId } },
      });
      const done = await client.waitForJob(projectKey, data!.data.jobId, { intervalMs: 100, timeoutMs: 60_000 });
      expect(done, script.userId).toMatchObject({ status: "completed", errors: null });
    }
  });

  it("serve's own start passes no testMode (the sandbox is the only caller that does)", async () => {
    const server = await startServer({
      config: { host: "127.0.0.1", port: 0, databaseUrl: "sqlite::memory:", runner: false, logLevel: "silent" },
    });
    try {
      const answer = await fetch(`${server.url}/api/v1/none/jobs`, { headers: { Authorization: "k", Prefer: "code=503" } });
      expect(answer.status).toBe(401); // an unknown key, not the simulated 503
    } finally {
      await server.close();
    }
  });
});
