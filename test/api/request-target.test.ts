// The request target `*` (asterisk-form, RFC 9112 §3.2.4) and other targets that are not a path:
// every answer is a problem body, nothing reaches code that needs an authenticated tenant, and
// nothing is logged as an unexpected error. Raw sockets, because fetch cannot send `*`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { recordingLogger, type RecordingLogger } from "../support/logs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { rawHttp } from "../reliability/support.js";

describe.each([
  { name: "with the rate limit on", rateLimit: 600 },
  { name: "with the rate limit off (RATE_LIMIT=0)", rateLimit: 0 },
])("a request target that is not a path, $name", ({ rateLimit }) => {
  let server: TestServer;
  let logs: RecordingLogger;
  let key: string;
  let projectId: number;
  beforeAll(async () => {
    logs = recordingLogger("info");
    server = await startTestServer(await databases[0]!.url(), { rateLimit }, { logger: logs.logger });
    const tenant = await seedTenant(server.store, "Star");
    key = tenant.apiKey;
    projectId = tenant.project.projectId;
  });
  afterAll(async () => server?.close());

  const send = (method: string, target: string, headers = "") =>
    rawHttp(server.port, [`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n`], { timeoutMs: 10_000 });

  it.each(["OPTIONS", "GET", "DELETE"])("%s * answers a 4xx problem body, without a key and with one", async (method) => {
    for (const headers of ["", `Authorization: ${key}\r\n`]) {
      const answer = await send(method, "*", headers);
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
      expect(answer.status, answer.text).toBeLessThan(500);
      expect(answer.text).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(answer.body).toMatchObject({ status: answer.status, type: expect.stringMatching(/^urn:problem:jobs-api:/) });
      expect(answer.body.errors).toEqual([answer.body.detail]);
    }
    expect(
      logs.records.filter((record) => record.level >= 50),
      logs.text(),
    ).toEqual([]);
    expect(await server.store.listJobs(projectId, {})).toEqual([]);
  });

  it("a path that the spec does not know answers a problem body, never Express's HTML page", async () => {
    for (const target of ["/", "/nothing/here", "/api/v1", "/api/v1/x/y/z/w"]) {
      const answer = await send("GET", target, `Authorization: ${key}\r\n`);
      expect(answer.status, target).toBe(404);
      expect(answer.text, target).toMatch(/\r\ncontent-type: application\/problem\+json/i);
      expect(answer.text, target).not.toMatch(/<html|<!DOCTYPE/i);
    }
  });
});
