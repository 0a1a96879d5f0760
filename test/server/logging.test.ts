// The request log (server/logging.ts): one line per request with only the safe fields, the
// request id, the levels; and the server's destination, which batches a turn's lines into one
// write and loses none when the process exits.
import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../../server/index.js";
import { TurnBuffered } from "../../server/logging.js";
import { databases, seedTenant } from "../support/databases.js";
import { ROOT } from "../support/cli.js";

describe("the request log", () => {
  let running: RunningServer;
  const lines: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any -- log records
  let apiKey: string;
  let projectKey: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n")) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    running = await startServer({
      logger: pino({ level: "info" }, sink),
      config: { databaseUrl: await databases[0]!.url(), port: 0, host: "127.0.0.1", runner: false, rateLimit: 0 },
    });
    const tenant = await seedTenant(running.store, "Logged");
    apiKey = tenant.apiKey;
    projectKey = tenant.project.projectKey;
  });
  afterAll(() => running.close());

  const requestLines = async (path: string, init: RequestInit = {}) => {
    const before = lines.length;
    const answer = await fetch(running.url + path, init);
    await answer.text();
    const deadline = Date.now() + 10_000;
    while (!lines.slice(before).some((l) => l.msg?.startsWith("request ")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return { answer, line: lines.slice(before).find((l) => l.msg?.startsWith("request "))! };
  };

  it("is one line with the request id, method, url, status and response time, and nothing else of the request", async () => {
    const { answer, line } = await requestLines(`/api/v1/${projectKey}/jobs?limit=5`, { headers: { authorization: apiKey } });
    expect(answer.status).toBe(200);
    expect(line).toMatchObject({ level: 30, msg: "request completed", res: { statusCode: 200 } });
    expect(line.req).toEqual({ id: answer.headers.get("x-request-id"), method: "GET", url: `/api/v1/${projectKey}/jobs?limit=5` });
    expect(typeof line.responseTime).toBe("number");
    expect(Object.keys(line).sort()).toEqual(["hostname", "level", "msg", "pid", "req", "res", "responseTime", "time"]);
    expect(JSON.stringify(line)).not.toContain(apiKey);
  });

  it("keeps a caller's X-Request-Id that looks like one, and replaces one that does not", async () => {
    const kept = await requestLines(`/api/v1/${projectKey}/jobs`, { headers: { authorization: apiKey, "x-request-id": "abc-123.x:y" } });
    expect(kept.answer.headers.get("x-request-id")).toBe("abc-123.x:y");
    expect(kept.line.req.id).toBe("abc-123.x:y");
    const replaced = await requestLines(`/api/v1/${projectKey}/jobs`, { headers: { authorization: apiKey, "x-request-id": "no spaces allowed" } });
    expect(replaced.answer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.line.req.id).toBe(replaced.answer.headers.get("x-request-id"));
  });

  it("redacts the userId of deleteUserData's url", async () => {
    const { line } = await requestLines(`/api/v1/${projectKey}/users/secret.person@example.com?x=1`, { method: "DELETE", headers: { authorization: apiKey } });
    expect(line.req.url).toBe(`/api/v1/${projectKey}/users/[userId]?x=1`);
    expect(JSON.stringify(lines)).not.toContain("secret.person");
  });

  it("logs a 500 at error as 'request errored', a 4xx at info", async () => {
    const original = running.store.listJobs;
    running.store.listJobs = async () => {
      throw new Error("boom");
    };
    try {
      const failed = await requestLines(`/api/v1/${projectKey}/jobs?limit=1`, { headers: { authorization: apiKey } });
      expect(failed.line).toMatchObject({ level: 50, msg: "request errored", res: { statusCode: 500 } });
    } finally {
      running.store.listJobs = original;
    }
    const refused = await requestLines(`/api/v1/${projectKey}/jobs`, { headers: { authorization: "ork_wrong" } });
    expect(refused.line).toMatchObject({ level: 30, msg: "request completed", res: { statusCode: 401 } });
  });
});

describe("TurnBuffered", () => {
  it("hands the lines of one turn to the destination in one write, in order, at the end of the turn", async () => {
    const writes: string[] = [];
    const destination = { write: (text: string) => writes.push(text), flush: () => undefined, flushSync: () => undefined };
    const buffered = new TurnBuffered(destination as never);
    buffered.write("a\n");
    buffered.write("b\n");
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["a\nb\n"]);
    buffered.write("c\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(["a\nb\n", "c\n"]);
  });

  it("loses no line when the process exits in the same turn as it logs (process.exit, an uncaught exception)", () => {
    const script = (ending: string) => `
      import { createLogger } from "./server/logging.ts";
      const logger = createLogger("info");
      for (let i = 0; i < 1000; i++) logger.info({ i }, "line");
      logger.info("last");
      ${ending}`;
    for (const ending of ["process.exit(3);", "throw new Error('crash');"]) {
      const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(ending)], { cwd: ROOT, encoding: "utf8" });
      const logged = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line));
      expect(logged, ending).toHaveLength(1001);
      expect(logged.at(-1).msg).toBe("last");
    }
  });
});
