// Limits that are answers in openapi.yaml: 413 for a request body, 415 for one the server cannot
// decode, 429 per API key with the RateLimit fields that announce it. Real server, every
// operation. (Parser-level limits and slow clients: test/reliability/.)
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type Answer, type TestServer } from "../support/server.js";
import { answerValidator } from "../support/spec-schemas.js";
import { requestsToEveryOperation } from "../support/every-operation.js";
import { contract, responseFor, type OperationId } from "../../client/contract/index.js";

/** A request with a body (fetch refuses a body on GET). */
function requestWithBody(
  url: string,
  method: string,
  key: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, headers: { authorization: key, "content-type": "application/json", "content-length": String(body.length), ...headers } },
      (response) => {
        let text = "";
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/** Every operation of the contract, on this project and job. */
const operations = (projectKey: string, jobId: number) => requestsToEveryOperation({ projectKey, jobId, userId: "limits@example.com" });
const operationIds = contract.operations.map((operation) => operation.operationId);

describe("request limits", () => {
  let server: TestServer;
  /** The Limits project's job: the jobId in the paths of the 413 tests (each on a fresh project). */
  let jobId: number;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url(), { rateLimit: 3, rateLimitWindowMs: 60_000 });
    const tenant = await seedTenant(server.store, "Limits");
    jobId = (await server.store.scheduleUserDeletion(tenant.project.projectId, "someone", 1, 2)).job.jobId;
  });
  afterAll(async () => server?.close());

  it.each(operationIds)("answers 413 for a body over 1 KiB (%s), as it declares, and the job is untouched", async (operationId) => {
    const fresh = await seedTenant(server.store, `Body ${operationId}`); // its own rate-limit budget
    const { method, path, operation } = operations(fresh.project.projectKey, jobId).find((r) => r.operationId === operationId)!;
    expect(responseFor(operation, 413)?.status).toBe("413");
    const answer = await requestWithBody(server.url + path, method, fresh.apiKey, Buffer.alloc(2048, "x"));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:content-too-large", status: 413 });
    expect(await server.store.getJob(fresh.project.projectId, jobId)).toBeUndefined();
  });

  it.each(operationIds)("answers 415 for a body in a Content-Encoding it cannot decode (%s), as it declares", async (operationId) => {
    const fresh = await seedTenant(server.store, `Encoding ${operationId}`);
    const { method, path, operation } = operations(fresh.project.projectKey, jobId).find((r) => r.operationId === operationId)!;
    expect(responseFor(operation, 415)?.status).toBe("415");
    const answer = await requestWithBody(server.url + path, method, fresh.apiKey, Buffer.from("{}"), { "content-encoding": "compress" });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:unsupported-media-type", status: 415 });
    expect(await server.store.listJobs(fresh.project.projectId, {})).toEqual([]);
  });

  it("accepts a small body it does not need", async () => {
    const fresh = await seedTenant(server.store, "SmallBody");
    const answer = await requestWithBody(`${server.url}/api/v1/${fresh.project.projectKey}/jobs`, "GET", fresh.apiKey, Buffer.from("{}"));
    expect(answer.status).toBe(200);
  });

  it.each(operationIds)(
    "answers 429 with Retry-After once a key has used its calls (%s), as it declares; other keys go on",
    async (operationId) => {
      const tenant = await seedTenant(server.store, `Rate ${operationId}`);
      const job = await server.store.scheduleUserDeletion(tenant.project.projectId, "rate", 1, 2);
      const { method, path, operation } = operations(tenant.project.projectKey, job.job.jobId).find((r) => r.operationId === operationId)!;
      expect(responseFor(operation, 429)?.status).toBe("429");
      for (let i = 0; i < 3; i++) await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs`, { key: tenant.apiKey });
      const limited = await server.call(method, path, { key: tenant.apiKey });
      expect(limited.status).toBe(429);
      expect(limited.contentType).toMatch(/^application\/problem\+json/);
      expect(limited.body).toMatchObject({ type: "urn:problem:jobs-api:rate-limited", status: 429 });
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Refused calls change nothing.
      expect((await server.store.getJob(tenant.project.projectId, job.job.jobId))?.status).toBe("scheduled");
      const other = await seedTenant(server.store, `Other ${operationId}`);
      expect((await server.call("GET", `/api/v1/${other.project.projectKey}/jobs`, { key: other.apiKey })).status).toBe(200);
    },
  );
});

describe("the RateLimit and RateLimit-Policy fields", () => {
  const validate = answerValidator();
  /** The header names an answer of the spec declares (operationId, status). */
  const declared = (operationId: string, status: number): string[] =>
    (responseFor(contract.operation(operationId as OperationId), status)?.headers ?? []).map((header) => header.name.toLowerCase());
  const rateLimitFields = (answer: Answer) => [answer.headers.get("ratelimit"), answer.headers.get("ratelimit-policy")];
  /** The `r=` of a RateLimit field: the calls left. */
  const remaining = (answer: Answer) => Number(/; r=(\d+);/.exec(answer.headers.get("ratelimit") ?? "")?.[1]);

  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url(), { rateLimit: 4, rateLimitWindowMs: 60_000 });
  });
  afterAll(async () => server?.close());

  it.each(operationIds)(
    "every answer of a counted request carries them, declared and valid as the spec says, down to the 429 (%s)",
    async (operationId) => {
      const tenant = await seedTenant(server.store, `Fields ${operationId}`);
      const { job } = await server.store.scheduleUserDeletion(tenant.project.projectId, "fields", 1, 2);
      const { method, path } = operations(tenant.project.projectKey, job.jobId).find((r) => r.operationId === operationId)!;
      // 200 (or, for a second cancel, 501) until the quota is used up, then 429.
      const answers: Answer[] = [];
      for (let i = 0; i < 5; i++) answers.push(await server.call(method, path, { key: tenant.apiKey }));
      expect(answers.map((a) => a.status)).toEqual(operationId === "cancelJob" ? [200, 501, 501, 501, 429] : [200, 200, 200, 200, 429]);
      for (const answer of answers) {
        expect(validate(operationId, answer)).toEqual([]);
        expect(declared(operationId, answer.status)).toEqual(expect.arrayContaining(["ratelimit", "ratelimit-policy"]));
        const [rateLimit, policy] = rateLimitFields(answer);
        expect(rateLimit).toMatch(/^"4-in-1min"; r=\d+; t=([1-9]|[1-5]\d|60)$/);
        expect(policy).toMatch(/^"4-in-1min"; q=4; w=60; pk=:[A-Za-z0-9+/]+=*:$/);
      }
      expect(answers.map(remaining)).toEqual([3, 2, 1, 0, 0]);
    },
  );

  it("a 404 of a counted request carries them; the answers refused before counting (401, 400) carry none and declare none", async () => {
    const tenant = await seedTenant(server.store, "Refused");
    const notFound = await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs/999999`, { key: tenant.apiKey });
    expect(notFound.status).toBe(404);
    expect(rateLimitFields(notFound).every((field) => field !== null)).toBe(true);
    const refused = [
      ["getJob", await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs/1`, { key: null })],
      ["getJob", await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs/0x1`, { key: tenant.apiKey })],
      ["listJobs", await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs?limit=0`, { key: tenant.apiKey })],
    ] as const;
    for (const [operationId, answer] of refused) {
      expect([400, 401]).toContain(answer.status);
      expect(rateLimitFields(answer)).toEqual([null, null]);
      expect(declared(operationId, answer.status)).not.toContain("ratelimit");
    }
    // None of them was counted: the key still has its whole quota.
    const next = await server.call("GET", `/api/v1/${tenant.project.projectKey}/jobs`, { key: tenant.apiKey });
    expect(remaining(next)).toBe(2); // 4, less the 404 and this call
  });

  it("without a limit (RATE_LIMIT=0) no answer carries them", async () => {
    const unlimited = await startTestServer(await databases[0]!.url(), { rateLimit: 0 });
    try {
      const tenant = await seedTenant(unlimited.store, "Unlimited");
      const answer = await unlimited.call("GET", `/api/v1/${tenant.project.projectKey}/jobs`, { key: tenant.apiKey });
      expect(answer.status).toBe(200);
      expect(rateLimitFields(answer)).toEqual([null, null]);
    } finally {
      await unlimited.close();
    }
  });

  it("a page from an allowed origin can read every header an answer of the spec declares (CORS)", async () => {
    const allowed = "http://localhost:5173";
    const cors = await startTestServer(await databases[0]!.url(), { rateLimit: 10, corsOrigins: [allowed] });
    try {
      const everyDeclared = new Set(
        contract.operations.flatMap((operation) =>
          operation.responses.flatMap((response) => response.headers.map((h) => h.name.toLowerCase())),
        ),
      );
      const tenant = await seedTenant(cors.store, "Cors");
      const answer = await cors.call("GET", `/api/v1/${tenant.project.projectKey}/jobs`, {
        key: tenant.apiKey,
        headers: { Origin: allowed },
      });
      expect(answer.headers.get("access-control-allow-origin")).toBe(allowed);
      const exposed = (answer.headers.get("access-control-expose-headers") ?? "").split(",").map((h) => h.trim().toLowerCase());
      expect([...everyDeclared].sort()).toEqual(expect.arrayContaining(["ratelimit", "ratelimit-policy"]));
      expect(exposed.sort()).toEqual([...everyDeclared].sort());
    } finally {
      await cors.close();
    }
  });
});

describe("a busy embedded database", () => {
  it("answers 503 with Retry-After while another process holds SQLite's write lock, and loses nothing", async () => {
    const url = await databases[0]!.url(); // SQLite
    const server = await startTestServer(url);
    const { default: BetterSqlite3 } = await import("better-sqlite3");
    const other = new BetterSqlite3(url.slice("sqlite:".length));
    try {
      const tenant = await seedTenant(server.store, "Busy");
      const { job } = await server.store.scheduleUserDeletion(tenant.project.projectId, "busy", 1, 2);
      other.exec("BEGIN IMMEDIATE"); // what a long `jobs-api sessions import` does
      const answer = await server.call("DELETE", `/api/v1/${tenant.project.projectKey}/jobs/${job.jobId}`, { key: tenant.apiKey });
      expect(answer.status).toBe(503);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:unavailable", status: 503 });
      expect(answer.headers.get("retry-after")).toBe("1");
      other.exec("ROLLBACK");
      // Nothing was changed, and the same call succeeds once the lock is gone.
      expect((await server.store.getJob(tenant.project.projectId, job.jobId))?.status).toBe("scheduled");
      const retried = await server.call("DELETE", `/api/v1/${tenant.project.projectKey}/jobs/${job.jobId}`, { key: tenant.apiKey });
      expect(retried.body.data.status).toBe("cancelled");
    } finally {
      other.close();
      await server.close();
    }
  });
});
