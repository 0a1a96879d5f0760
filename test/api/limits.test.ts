// Limits that are answers in openapi.yaml: 413 for a request body, 429 per API key. Real
// server, every operation. (Parser-level limits and slow clients: test/reliability/.)
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { requestsToEveryOperation } from "../support/every-operation.js";
import { contract, responseFor } from "../../client/contract/index.js";

/** A request with a body (fetch refuses a body on GET). */
function requestWithBody(url: string, method: string, key: string, body: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, headers: { authorization: key, "content-type": "application/json", "content-length": String(body.length) } },
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
