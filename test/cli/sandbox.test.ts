// `jobs-api sandbox` (npm run sandbox): a throwaway server on a temporary SQLite database, any
// key accepted as the demo organization's, loopback only, localhost CORS on any port, paced
// deletions, response validation on. The browser flow is test/browser/sandbox.test.ts.
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, loadConfig } from "../../server/config.js";
import { DEMO_PROJECT_KEY, DEMO_USERS } from "../../server/cli/demo.js";
import { startServer } from "../../server/index.js";
import { SANDBOX_SESSIONS_PER_USER, sandboxConfig, startSandbox, type RunningSandbox } from "../../server/cli/sandbox.js";
import { runCli, spawnCli, waitForOutput } from "../support/cli.js";
import { countSessions } from "../../server/store/fixtures.js";
import { httpRequest, rawHttp } from "../reliability/support.js";

describe("the sandbox's settings", () => {
  it("paces deletions and starts jobs after seconds, where serve does neither by default", () => {
    const config = sandboxConfig({}, "/tmp/x.db");
    expect(config.paceSessionsPerSecond).toBeGreaterThan(0);
    expect(config.startDelay).toEqual({ kind: "delay", ms: 3000 });
    expect(DEFAULTS.paceSessionsPerSecond).toBe(0);
    expect(loadConfig({}).paceSessionsPerSecond).toBe(0);
    expect(loadConfig({}).startDelay).toEqual({ kind: "midnight" });
  });

  it("keeps what makes it a sandbox whatever the environment says, and takes the rest from it", () => {
    const config = sandboxConfig(
      {
        DATABASE_URL: "postgres://db.example.com/prod",
        RESPONSE_VALIDATION: "off",
        JOBS_RUNNER: "off",
        JOBS_START_DELAY: "30s",
        CORS_ORIGINS: "https://admin.example.com",
        PORT: "4000",
      },
      "/tmp/sandbox-x/sandbox.db",
    );
    expect(config.databaseUrl).toBe("sqlite:/tmp/sandbox-x/sandbox.db");
    expect(config.validateResponses).toBe(true);
    expect(config.runner).toBe(true);
    expect(config.startDelay).toEqual({ kind: "delay", ms: 30_000 });
    expect(config.port).toBe(4000);
    expect(config.corsOrigins).toEqual(["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*", "https://admin.example.com"]);
  });

  it.each(["0.0.0.0", "::", "192.168.1.20", "example.com"])("refuses HOST=%s (not a loopback address)", (host) => {
    expect(() => sandboxConfig({ HOST: host }, "/tmp/x.db")).toThrow(ConfigError);
    expect(() => sandboxConfig({ HOST: host }, "/tmp/x.db")).toThrow(/not a loopback address/);
  });

  it.each(["127.0.0.1", "127.0.0.2", "::1", "localhost"])("accepts HOST=%s", (host) => {
    expect(sandboxConfig({ HOST: host }, "/tmp/x.db").host).toBe(host);
  });

  it("JOBS_PACE: 0 to 1,000,000 sessions/s or off, and never a pause longer than half the lease", () => {
    expect(loadConfig({ JOBS_PACE: "off" }).paceSessionsPerSecond).toBe(0);
    expect(loadConfig({ JOBS_PACE: "250" }).paceSessionsPerSecond).toBe(250);
    expect(() => loadConfig({ JOBS_PACE: "-1" })).toThrow(/JOBS_PACE="-1" is not valid/);
    expect(() => loadConfig({ JOBS_PACE: "1000001" })).toThrow(/JOBS_PACE/);
    expect(() => loadConfig({ JOBS_PACE: "10", JOBS_BATCH_SIZE: "1000", JOBS_LEASE: "60s" })).toThrow(/pauses 100s after a batch/);
    expect(loadConfig({ JOBS_PACE: "10", JOBS_BATCH_SIZE: "100", JOBS_LEASE: "60s" }).paceSessionsPerSecond).toBe(10);
  });

  it("CORS_ORIGINS takes http://host:* for any port, and nothing looser", () => {
    const origins = ["http://localhost:*", "http://[::1]:5173"];
    expect(loadConfig({ CORS_ORIGINS: origins.join(",") }).corsOrigins).toEqual(origins);
    for (const bad of [
      "http://*.example.com",
      "http://localhost:*:*",
      "localhost:*",
      "http://localhost:5173/",
      "http://localhost:99999",
      "http://localhost:0",
      "http://localhost:05173",
      "http://LOCALHOST:5173",
    ]) {
      expect(() => loadConfig({ CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});

describe("startServer with any key accepted", () => {
  it("refuses to listen on a non-loopback address, before opening anything", async () => {
    const anyKeyAs = { organizationId: 1, name: "Demo" };
    await expect(startServer({ config: { host: "0.0.0.0", port: 0 }, anyKeyAs })).rejects.toThrow(/not a loopback address/);
  });
});

describe("a running sandbox", () => {
  let sandbox: RunningSandbox;
  let jobsUrl: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", RESPONSE_VALIDATION: "off" });
    jobsUrl = `${sandbox.server.url}/api/v1/${sandbox.projectKey}/jobs`;
  });
  afterAll(() => sandbox?.close());

  it("holds the demo project, a job in every status, and enough sessions per user to watch a deletion run", async () => {
    expect(sandbox.projectKey).toBe(DEMO_PROJECT_KEY);
    const { data } = (await (await fetch(jobsUrl, { headers: { Authorization: "anything" } })).json()) as {
      data: Array<{ status: string }>;
    };
    // The last two (running, scheduled when seeded) are the runner's from the start: they move on.
    expect(data.map((j) => j.status).slice(0, 3)).toEqual(["completed", "failed", "cancelled"]);
    expect(data).toHaveLength(5);
    const project = await sandbox.server.store.findProjectByKey(sandbox.projectKey);
    for (const user of DEMO_USERS.filter((u) => !["mehdi@openreplay.com", "shekar@example.com"].includes(u))) {
      expect(await countSessions(sandbox.server.store, project!.projectId, user), user).toBe(SANDBOX_SESSIONS_PER_USER);
    }
  });

  it("accepts any non-empty key, raw or Bearer, as the demo organization's", async () => {
    for (const key of ["any-key", "x", "Bearer something-else", "ork_notarealkeyatall000000000000000"]) {
      const answer = await fetch(jobsUrl, { headers: { Authorization: key } });
      expect(answer.status, key).toBe(200);
    }
  });

  it("still answers 401 without a key, or with an empty or malformed one", async () => {
    for (const headers of [{}, { Authorization: "" }, { Authorization: "two words" }] as Array<Record<string, string>>) {
      const answer = await fetch(jobsUrl, { headers });
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
  });

  it("validates its answers even when RESPONSE_VALIDATION=off is set", () => {
    expect(sandbox.server.config.validateResponses).toBe(true);
  });

  it("allows CORS from http://localhost and http://127.0.0.1 on any port, and from no other origin", async () => {
    const preflight = (origin: string) =>
      fetch(jobsUrl, {
        method: "OPTIONS",
        headers: { Origin: origin, "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization" },
      });
    for (const origin of [
      "http://localhost:5173",
      "http://localhost:3001",
      "http://127.0.0.1:8080",
      "http://localhost",
      "http://[::1]:5173",
      "http://localhost:65535",
    ]) {
      expect((await preflight(origin)).headers.get("access-control-allow-origin"), origin).toBe(origin);
    }
    for (const origin of [
      "http://localhost.evil.example:5173",
      "https://localhost:5173",
      "http://127.0.0.2:5173",
      "http://example.com",
      "http://localhost:99999",
      "http://localhost:65536",
      "http://localhost:05173",
      "http://localhost:80",
      "http://LOCALHOST:5173",
      "http://[::2]:5173",
    ]) {
      expect((await preflight(origin)).headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("answers only requests whose Host is a loopback name (DNS rebinding): others get a 421 problem with X-Request-Id", async () => {
    const { port } = sandbox.server;
    const base = `http://127.0.0.1:${port}`;
    const path = `/api/v1/${sandbox.projectKey}/jobs`;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `127.0.0.5:${port}`, `[::1]:${port}`, "LocalHost", "localhost"]) {
      const answer = await httpRequest(base, path, { headers: { Host: host, Authorization: "any-key" } });
      expect(answer.status, host).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      `localhost.evil.example:${port}`,
      `192.168.1.20:${port}`,
      `[::2]:${port}`,
      `localhost:${port}x`,
    ]) {
      const answer = await httpRequest(base, path, { headers: { Host: host, Authorization: "any-key" } });
      expect(answer.status, host).toBe(421);
      expect(answer.headers["content-type"], host).toMatch(/^application\/problem\+json/);
      expect(answer.headers["x-request-id"], host).toMatch(/^[\w.:-]{1,64}$/);
      expect(answer.body, host).toMatchObject({ status: 421, title: "Misdirected Request", requestId: answer.headers["x-request-id"] });
      expect(answer.text, host).not.toContain("data");
    }
    const empty = await rawHttp(port, [`GET ${path} HTTP/1.1\r\nHost: \r\nAuthorization: any-key\r\nConnection: close\r\n\r\n`]);
    expect(empty.status).toBe(421);
  });

  it("jobs-api serve (no key accepted by default) answers whatever the Host", async () => {
    const running = await startServer({
      config: { port: 0, host: "127.0.0.1", databaseUrl: "sqlite::memory:", runner: false, logLevel: "silent" },
    });
    try {
      const answer = await httpRequest(running.url, "/api/v1/x/jobs", { headers: { Host: "api.example.com" } });
      expect(answer.status).toBe(401);
    } finally {
      await running.close();
    }
  });

  it("deletes its database folder on close", async () => {
    const other = await startSandbox({ PORT: "0", LOG_LEVEL: "silent" });
    expect(existsSync(other.databaseFile)).toBe(true);
    await other.close();
    expect(existsSync(dirname(other.databaseFile))).toBe(false);
  });
});

describe("jobs-api sandbox (the command)", () => {
  it("refuses a HOST that is not loopback, with exit code 2", async () => {
    const result = await runCli(["sandbox"], { HOST: "0.0.0.0", PORT: "0" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/HOST=0\.0\.0\.0 is not a loopback address/);
  });

  it("prints the URL, that any key works, the project key and a curl line; removes its database on SIGTERM", async () => {
    const child = spawnCli(["sandbox"], { PORT: "0", HOST: "127.0.0.1" });
    try {
      const [printed] = await waitForOutput(child, /[\s\S]*Ctrl-C stops the sandbox[^\n]*\n/, 60_000);
      const url = /jobs-api sandbox listening on (http:\/\/\S+)/.exec(printed)![1]!;
      const database = /Database\s+(\S+)/.exec(printed)![1]!;
      expect(printed).toMatch(/ANY API KEY IS ACCEPTED/);
      expect(printed).toContain(`Project key   ${DEMO_PROJECT_KEY}`);
      expect(printed).toContain(`curl -s ${url}/api/v1/${DEMO_PROJECT_KEY}/jobs -H 'Authorization: any-key'`);
      expect(existsSync(database)).toBe(true);
      const answer = await fetch(`${url}/api/v1/${DEMO_PROJECT_KEY}/jobs`, { headers: { Authorization: "whatever-i-like" } });
      expect(answer.status).toBe(200);

      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(existsSync(dirname(database))).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
