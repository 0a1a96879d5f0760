// HTTP conformance beyond the operations: RFC 9110 and 9112 points the server must honour, and
// what it sends on every answer, as openapi.yaml declares it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { recordingLogger, type RecordingLogger } from "../support/logs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { httpRequest, rawHttp } from "../reliability/support.js";
import { contract, responseFor } from "../../client/contract/index.js";
import { requestsToEveryOperation } from "../support/every-operation.js";

describe("HTTP conformance of the server", () => {
  let server: TestServer;
  let logs: RecordingLogger;
  let key: string;
  let projectKey: string;
  let projectId: number;
  let endedJobId: number;
  beforeAll(async () => {
    logs = recordingLogger("debug");
    server = await startTestServer(await databases[0]!.url(), { rateLimit: 1000 }, { logger: logs.logger });
    const tenant = await seedTenant(server.store, "Conform");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
    const { job } = await server.store.scheduleUserDeletion(projectId, "ended@example.com", server.clock.now, server.clock.now + 1);
    await server.store.cancelJob(projectId, job.jobId, server.clock.now);
    endedJobId = job.jobId;
  });
  afterAll(async () => server?.close());

  const raw = (lines: string[]) => rawHttp(server.port, [lines.join("\r\n") + "\r\n\r\n"], { timeoutMs: 10_000 });
  const headerOf = (text: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)`, "i").exec(text)?.[1];

  it("a 401 carries a WWW-Authenticate challenge (RFC 9110 §11.6.1), on every operation", async () => {
    for (const { method, path } of requestsToEveryOperation({ projectKey, jobId: 1, userId: "someone" })) {
      for (const headers of [{}, { authorization: "not-a-key" }] as Array<Record<string, string>>) {
        const answer = await httpRequest(server.url, path, { method, headers });
        expect(answer.status).toBe(401);
        expect(answer.headers["www-authenticate"], `${method} ${path}`).toBe('Bearer realm="jobs-api"');
      }
    }
  });

  it("an HTTP/1.1 request without Host, or with two, answers 400 with a problem body (RFC 9112 §3.2)", async () => {
    for (const lines of [
      [`GET /api/v1/${projectKey}/jobs HTTP/1.1`, `Authorization: ${key}`, "Connection: close"],
      [`GET /api/v1/${projectKey}/jobs HTTP/1.1`, "Host: a", "Host: b", `Authorization: ${key}`, "Connection: close"],
    ]) {
      const answer = await raw(lines);
      expect(answer.status, answer.text).toBe(400);
      expect(headerOf(answer.text, "content-type")).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 400, type: "urn:problem:jobs-api:bad-request", detail: expect.stringMatching(/Host/) });
    }
    // HTTP/1.0 has no Host requirement.
    const old = await raw([`GET /api/v1/${projectKey}/jobs HTTP/1.0`, `Authorization: ${key}`]);
    expect(old.text).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("an absolute-form request target is accepted as its path and query (RFC 9112 §3.2.2)", async () => {
    const origin = await httpRequest(server.url, `/api/v1/${projectKey}/jobs?limit=1`, { headers: { authorization: key } });
    const absolute = await raw([
      `GET http://localhost:${server.port}/api/v1/${projectKey}/jobs?limit=1 HTTP/1.1`,
      "Host: localhost",
      `Authorization: ${key}`,
      "Connection: close",
    ]);
    expect(absolute.status, absolute.text).toBe(200);
    expect(absolute.body).toEqual(origin.body);
    const created = await raw([
      `DELETE HTTPS://api.example.org/api/v1/${projectKey}/users/absolute@example.com HTTP/1.1`,
      "Host: api.example.org",
      `Authorization: ${key}`,
      "Connection: close",
    ]);
    expect(created.status, created.text).toBe(200);
    expect(created.body.data.referenceId).toBe("absolute@example.com");
    const root = await raw(["GET http://localhost HTTP/1.1", "Host: localhost", `Authorization: ${key}`, "Connection: close"]);
    expect(root.status).toBe(404);
    expect(root.body).toMatchObject({ status: 404, type: "urn:problem:jobs-api:not-found" });
  });

  it("cancelJob's documented 501 is logged as an answer, without an error or a stack", async () => {
    const before = logs.records.length;
    const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs/${endedJobId}`, {
      method: "DELETE",
      headers: { authorization: key },
    });
    expect(answer.status).toBe(501);
    const lines = logs.records.slice(before);
    expect(lines.some((line) => line.res?.statusCode === 501)).toBe(true);
    for (const line of lines) {
      expect(line.level, JSON.stringify(line)).toBeLessThanOrEqual(30);
      expect(line.err, JSON.stringify(line)).toBeUndefined();
      expect(JSON.stringify(line)).not.toMatch(/stack|\n\s+at /);
    }
  });

  it("every answer carries X-Request-Id, the same as the problem body's requestId", async () => {
    const answers = [
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { headers: { authorization: key } }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs?limit=0`, { headers: { authorization: key } }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs`),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs/999999`, { headers: { authorization: key } }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { method: "PUT", headers: { authorization: key } }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs/${endedJobId}`, { method: "DELETE", headers: { authorization: key } }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { headers: { authorization: key }, body: "x".repeat(2000) }),
      await httpRequest(server.url, `/api/v1/${projectKey}/jobs?${"a".repeat(9000)}=1`, { headers: { authorization: key } }),
      await httpRequest(server.url, "/nowhere", { headers: { authorization: key } }),
    ];
    for (const answer of answers) {
      const id = answer.headers["x-request-id"];
      expect(id, `${answer.status} ${answer.text.slice(0, 200)}`).toMatch(/^[\w.:-]{1,64}$/);
      if (answer.status >= 400) expect(answer.body.requestId).toBe(id);
    }
    // Answers of the HTTP parser too (a malformed request, headers too large).
    for (const request of [
      "NOT HTTP AT ALL\r\n\r\n",
      `GET /api/v1/${projectKey}/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    ]) {
      const answer = await rawHttp(server.port, [request], { timeoutMs: 10_000 });
      const id = headerOf(answer.text, "x-request-id");
      expect(id, answer.text).toMatch(/^[\w.:-]{1,64}$/);
      expect(answer.body.requestId).toBe(id);
    }
    // A caller's own id is kept, so logs can be correlated.
    const own = await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, {
      headers: { authorization: key, "x-request-id": "caller-42" },
    });
    expect(own.headers["x-request-id"]).toBe("caller-42");
  });
});

describe("openapi.yaml declares what the server sends", () => {
  it("X-Request-Id on every response of every operation", () => {
    for (const operation of contract.operations) {
      for (const response of operation.responses) {
        expect(
          response.headers.map((h) => h.name),
          `${operation.operationId} ${response.status}`,
        ).toContain("X-Request-Id");
      }
    }
  });

  it("WWW-Authenticate on every 401, and a 503 with Retry-After on every operation", () => {
    for (const operation of contract.operations) {
      const unauthorized = operation.responses.find((r) => r.status === "401");
      expect(
        unauthorized?.headers.map((h) => h.name),
        operation.operationId,
      ).toContain("WWW-Authenticate");
      const unavailable = responseFor(operation, 503);
      expect(unavailable?.status, operation.operationId).toBe("503");
      expect(
        unavailable?.headers.map((h) => h.name),
        operation.operationId,
      ).toContain("Retry-After");
      expect(
        unavailable?.content.map((m) => m.type),
        operation.operationId,
      ).toEqual(["application/problem+json"]);
    }
  });
});
