// The userId is personal data (often an e-mail address) of someone who asked to be forgotten: it
// must never reach the logs, however the request spells the path. Routing is case-sensitive and
// strict as the spec's paths are, and the request log shows the matched route, with only the
// parameters that are safe to show (projectKey, jobId, known query values).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { recordingLogger, type RecordingLogger } from "../support/logs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { httpRequest, rawHttp, secretForms } from "../reliability/support.js";

const USER = "zelda.private@example.com";
/** Any piece of the address that would identify her. */
const FRAGMENTS = ["zelda", "Zelda", "ZELDA", "private@"].flatMap(secretForms);

describe.each(databases)("the request log on $name", (database) => {
  let server: TestServer;
  let logs: RecordingLogger;
  let key: string;
  let projectKey: string;
  let projectId: number;
  beforeAll(async () => {
    logs = recordingLogger("debug");
    server = await startTestServer(await database.url(), {}, { logger: logs.logger });
    const tenant = await seedTenant(server.store, "Private");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
  });
  afterAll(async () => server?.close());

  it("never contains the userId, whatever the spelling of the path; only the spec's exact paths reach an operation", async () => {
    const encoded = encodeURIComponent(USER);
    const variants: Array<[string, string, number | number[]]> = [
      ["DELETE", `/api/v1/${projectKey}/users/${USER}`, 200],
      ["DELETE", `/api/v1/${projectKey}/users/${encoded}`, 200],
      ["DELETE", `/api/v1/${projectKey}/USERS/${USER}`, 404],
      ["DELETE", `/api/v1/${projectKey}/Users/${encoded}`, 404],
      ["DELETE", `/API/V1/${projectKey}/users/${USER}`, 404],
      ["DELETE", `/api/v1/${projectKey}/users//${USER}`, 404],
      ["DELETE", `/api/v1/${projectKey}/users/${USER}/`, 404],
      ["DELETE", `/api/v1/${projectKey}/users/${USER}/extra`, 404],
      ["DELETE", `/api/v1/${projectKey}/users/x/${USER}`, 404],
      ["DELETE", `/api/v1/${projectKey}/users/${USER}?note=${encoded}`, 400],
      ["DELETE", `/api/v1/${projectKey}/users/${USER}?${encoded}=1`, 400],
      ["GET", `/api/v1/${projectKey}/users/${USER}`, 405],
      ["DELETE", `/api/v1/${projectKey}/jobs/${encoded}`, 400],
      ["GET", `/api/v1/${projectKey}/jobs?status=${encoded}`, 400],
      ["GET", `/api/v1/${projectKey}/jobs?after=${encoded}`, 400],
      ["DELETE", `/api/v1/${encoded}/users/${USER}`, [400, 404]],
      ["DELETE", `/${USER}`, 404],
    ];
    for (const [method, path, status] of variants) {
      const answer = await httpRequest(server.url, path, { method, headers: { authorization: key } });
      expect(Array.isArray(status) ? status : [status], `${method} ${path}: ${answer.text}`).toContain(answer.status);
    }
    // With a wrong key, and in absolute form (RFC 9112 §3.2.2).
    await httpRequest(server.url, `/api/v1/${projectKey}/users/${USER}`, { method: "DELETE", headers: { authorization: "wrong" } });
    await rawHttp(server.port, [
      `DELETE http://localhost/api/v1/${projectKey}/USERS/${USER} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${key}\r\nConnection: close\r\n\r\n`,
    ]);

    // Only the exact path created a job (one: the second call answers the pending one).
    expect((await server.store.listJobs(projectId, {})).map((job) => job.referenceId)).toEqual([USER]);
    const text = logs.text();
    expect(text).toContain("request completed");
    for (const fragment of FRAGMENTS) expect(text, `"${fragment}" in the log`).not.toContain(fragment);
  });

  it("shows the matched route with the safe parameters, so a request can still be followed", async () => {
    const before = logs.records.length;
    await httpRequest(server.url, `/api/v1/${projectKey}/jobs?status=scheduled&limit=5&after=0`, { headers: { authorization: key } });
    await httpRequest(server.url, `/api/v1/${projectKey}/jobs/123`, { headers: { authorization: key } });
    await httpRequest(server.url, `/api/v1/${projectKey}/users/${USER}`, { method: "DELETE", headers: { authorization: key } });
    const paths = logs.records
      .slice(before)
      .filter((record) => record.msg === "request completed")
      .map((record) => record.path);
    expect(paths).toEqual([
      `/api/v1/${projectKey}/jobs?status=scheduled&limit=5&after=0`,
      `/api/v1/${projectKey}/jobs/123`,
      `/api/v1/${projectKey}/users/[userId]`,
    ]);
  });
});
