// The fast path of plainly valid reads (server/http/fast-reads.ts): which requests take it, and
// that every answer is the same with it and without it (the validator's chain for everything).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Request, Response } from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/http/app.js";
import { DEFAULTS } from "../../server/config.js";
import { createHttpServer } from "../../server/http/server.js";
import { fastReads } from "../../server/http/fast-reads.js";
import { insertJob } from "../../server/store/fixtures.js";
import type { Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { jobData } from "../support/jobs.js";

describe("which requests take the fast path", () => {
  const fast = fastReads({ security: async () => true, validateResponses: true });
  /** "fast" when the middleware took the request (it authenticates before going on), "validator" when it passed it on at once. */
  const route = (url: string, method = "GET", headers: Record<string, string> = { authorization: "ork_key" }) => {
    const req = { method, url, headers, res: { locals: {} } } as unknown as Request;
    const res = { json: () => undefined, statusCode: 200, headersSent: false } as unknown as Response;
    let passedOn = false;
    fast.take(req, res, () => (passedOn = true));
    return passedOn ? "validator" : "fast";
  };

  it.each([
    "/api/v1/abcDEF123_-x/jobs/1",
    "/api/v1/abc/jobs/9007199254740991",
    "/api/v1/abc/jobs",
    "/api/v1/abc/jobs?",
    "/api/v1/abc/jobs?limit=100",
    "/api/v1/abc/jobs?limit=1&after=0",
    "/api/v1/abc/jobs?status=scheduled&limit=1000&after=12",
  ])("a plainly valid read takes it: GET %s", (url) => {
    expect(route(url)).toBe("fast");
  });

  it.each([
    ["a job id with a sign", "/api/v1/abc/jobs/+1"],
    ["a job id with an exponent", "/api/v1/abc/jobs/1e0"],
    ["a job id in hex", "/api/v1/abc/jobs/0x1"],
    ["a job id with leading zeros", "/api/v1/abc/jobs/01"],
    ["a job id of 0", "/api/v1/abc/jobs/0"],
    ["a job id too large", "/api/v1/abc/jobs/9007199254740992"],
    ["a job id of letters", "/api/v1/abc/jobs/abc"],
    ["a percent-escape", "/api/v1/ab%43/jobs/1"],
    ["a project key the schema refuses", "/api/v1/a.b/jobs/1"],
    ["a trailing slash", "/api/v1/abc/jobs/1/"],
    ["a query on getJob", "/api/v1/abc/jobs/1?x=1"],
    ["an unknown query parameter", "/api/v1/abc/jobs?limit=1&x=1"],
    ["a repeated parameter", "/api/v1/abc/jobs?limit=1&limit=2"],
    ["an empty parameter", "/api/v1/abc/jobs?limit="],
    ["a limit over its maximum", "/api/v1/abc/jobs?limit=1001"],
    ["a limit of 0", "/api/v1/abc/jobs?limit=0"],
    ["a status outside the enum", "/api/v1/abc/jobs?status=archived"],
    ["an unknown path", "/api/v1/abc/users"],
    ["another casing", "/API/v1/abc/jobs"],
  ])("%s goes to the validator", (_name, url) => {
    expect(route(url)).toBe("validator");
  });

  it("a method other than GET, a request without Authorization, or with a body goes to the validator", () => {
    expect(route("/api/v1/abc/jobs/1", "DELETE")).toBe("validator");
    expect(route("/api/v1/abc/jobs/1", "HEAD")).toBe("validator");
    expect(route("/api/v1/abc/jobs/1", "GET", {})).toBe("validator");
    expect(route("/api/v1/abc/jobs/1", "GET", { authorization: "k", "content-length": "3" })).toBe("validator");
    expect(route("/api/v1/abc/jobs/1", "GET", { authorization: "k", "transfer-encoding": "chunked" })).toBe("validator");
  });
});

describe.each(databases)("answers with and without the fast path on $name", (database) => {
  let store: Store;
  const servers: http.Server[] = [];
  let withFast: string;
  let without: string;
  let key: string;
  let otherKey: string;
  let projectKey: string;
  let otherProjectKey: string;
  let jobIds: number[];

  beforeAll(async () => {
    store = await openMigratedStore(database);
    const tenant = await seedTenant(store, "Fast");
    const other = await seedTenant(store, "Other");
    ({ apiKey: key } = tenant);
    ({ apiKey: otherKey } = other);
    projectKey = tenant.project.projectKey;
    otherProjectKey = other.project.projectKey;
    jobIds = [];
    for (const [i, status] of (["scheduled", "running", "completed", "failed", "cancelled"] as const).entries()) {
      jobIds.push((await insertJob(store, jobData(tenant.project.projectId, status, `user-${i}@example.com`))).jobId);
    }
    const start = async (fastReads: boolean) => {
      const config = { ...DEFAULTS, rateLimit: 0, logLevel: "silent" as const };
      const server = createHttpServer(createApp({ store, config, logger: pino({ level: "silent" }), fastReads }));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    withFast = await start(true);
    without = await start(false);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  const ask = async (base: string, path: string, headers: Record<string, string>) => {
    const response = await fetch(base + path, { headers: { "x-request-id": "same-id", ...headers } });
    const pick = ["content-type", "link", "retry-after", "www-authenticate", "x-request-id"];
    return {
      status: response.status,
      headers: Object.fromEntries(pick.map((name) => [name, response.headers.get(name)])),
      body: await response.text(),
    };
  };

  it("every read answers the same, valid or not", async () => {
    const job = jobIds[2]!;
    const paths = [
      `/api/v1/${projectKey}/jobs/${job}`,
      `/api/v1/${projectKey}/jobs/999999`,
      `/api/v1/${projectKey}/jobs/0`,
      `/api/v1/${projectKey}/jobs/1e0`,
      `/api/v1/${projectKey}/jobs/abc`,
      `/api/v1/${projectKey}/jobs/${job}?x=1`,
      `/api/v1/${otherProjectKey}/jobs/${job}`,
      `/api/v1/noSuchProject/jobs/${job}`,
      `/api/v1/${projectKey}/jobs`,
      `/api/v1/${projectKey}/jobs?limit=2`,
      `/api/v1/${projectKey}/jobs?limit=2&after=${jobIds[1]}`,
      `/api/v1/${projectKey}/jobs?status=failed`,
      `/api/v1/${projectKey}/jobs?status=failed&limit=1`,
      `/api/v1/${projectKey}/jobs?limit=0`,
      `/api/v1/${projectKey}/jobs?limit=1001`,
      `/api/v1/${projectKey}/jobs?limit=1&limit=2`,
      `/api/v1/${projectKey}/jobs?unknown=1`,
      `/api/v1/${projectKey}/jobs?status=archived`,
      `/api/v1/${projectKey}/jobs?after=-1`,
    ];
    const keys: Array<Record<string, string>> = [
      { authorization: key },
      { authorization: `Bearer ${key}` },
      { authorization: otherKey },
      { authorization: "ork_wrong" },
      {},
    ];
    let compared = 0;
    for (const path of paths) {
      for (const headers of keys) {
        const [a, b] = [await ask(withFast, path, headers), await ask(without, path, headers)];
        expect(a, `GET ${path} with ${JSON.stringify(headers)}`).toEqual(b);
        compared++;
      }
    }
    expect(compared).toBe(paths.length * keys.length);
  });

  it("a job that breaks the spec is a 500 problem on the fast path too, never a bad answer", async () => {
    const original = store.getJob.bind(store);
    store.getJob = async (...args) => {
      const found = await original(...args);
      return found && { ...found, status: "archived" as never };
    };
    try {
      const answer = await ask(withFast, `/api/v1/${projectKey}/jobs/${jobIds[0]}`, { authorization: key });
      expect(answer.status).toBe(500);
      expect(answer.body).not.toContain("archived");
      expect(answer).toEqual(await ask(without, `/api/v1/${projectKey}/jobs/${jobIds[0]}`, { authorization: key }));
    } finally {
      store.getJob = original;
    }
  });
});
