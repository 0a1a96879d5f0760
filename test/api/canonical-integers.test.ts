// Integers in the path and the query are accepted only in their canonical decimal form: the spec
// says `type: integer`, and `0x1`, `1e0`, `+1`, `1.0`, ` 1`, `0b1`, `0o1` or `01` are other
// strings that the validator's coercion (Number()) used to turn into the same job. Each answers a
// clear 400 and changes nothing; the canonical form still works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { httpRequest, type HttpAnswer } from "../reliability/support.js";
import { contract } from "../../client/contract/index.js";
import { requestOf } from "../support/every-operation.js";

function expectBadInteger(answer: HttpAnswer, name: string, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(400);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:bad-request", status: 400 });
  // Ours, or the validator's for a `+` it takes as a reserved character.
  const ours = new RegExp(`parameter ${name} must be an integer written in plain decimal digits`);
  const validators = new RegExp(`Parameter '${name}' must be url encoded`);
  expect(answer.body.detail, what).toMatch(new RegExp(`${ours.source}|${validators.source}`));
}

describe.each(databases)("integers in their canonical form only, on $name", (database) => {
  let server: TestServer;
  let key: string;
  let projectKey: string;
  let projectId: number;
  let jobId: number;
  beforeAll(async () => {
    server = await startTestServer(await database.url());
    const tenant = await seedTenant(server.store, "Canon");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
    jobId = (await server.store.scheduleUserDeletion(projectId, "canon@example.com", server.clock.now, server.clock.now + 1)).job.jobId;
  });
  afterAll(async () => server?.close());

  const get = (path: string, method = "GET") => httpRequest(server.url, path, { method, headers: { authorization: key } });
  const otherForms = (n: number) => [
    `0x${n.toString(16)}`,
    `${n}e0`,
    `+${n}`,
    `%2B${n}`,
    `${n}.0`,
    `%20${n}`,
    `${n}%20`,
    `0b${n.toString(2)}`,
    `0o${n.toString(8)}`,
    `0${n}`,
    `00${n}`,
    `${n}.`,
    `${n * 10}e-1`,
  ];

  /** Every operation's integer path parameters (jobId). */
  const integerPathParameters = contract.operations.flatMap((operation) =>
    operation.parameters
      .filter((p) => p.in === "path" && p.schema.type === "integer")
      .map((p) => [operation.operationId, p.name, operation] as const),
  );

  it.each(integerPathParameters)(
    "%s, path parameter %s: every other spelling answers 400, and the job is untouched",
    async (_, name, operation) => {
      for (const form of otherForms(jobId)) {
        const { method, path } = requestOf(operation, { projectKey, jobId, [name]: form }, { encoded: true });
        expectBadInteger(await get(path, method), name, `${method} ${path}`);
      }
      expect((await server.store.getJob(projectId, jobId))?.status).toBe("scheduled");
      const canonical = await get(`/api/v1/${projectKey}/jobs/${jobId}`);
      expect(canonical.status).toBe(200);
      expect(canonical.body.data.jobId).toBe(jobId);
    },
  );

  it("listJobs: limit and after in any other spelling answer 400", async () => {
    for (const query of [
      "limit=0x10",
      "limit=1e1",
      "limit=5.0",
      "limit=+5",
      "limit=%2B5",
      "limit=05",
      "limit=%205",
      "limit=5%20",
      "limit=0b101",
      "limit=0o7",
    ]) {
      expectBadInteger(await get(`/api/v1/${projectKey}/jobs?${query}`), "limit", query);
    }
    for (const query of ["after=0x0", "after=0e0", "after=+0", "after=00", "after=0.0", "after=-0", `after=0${jobId}`]) {
      expectBadInteger(await get(`/api/v1/${projectKey}/jobs?${query}`), "after", query);
    }
  });

  it("listJobs: the canonical forms work, 0 included", async () => {
    const answer = await get(`/api/v1/${projectKey}/jobs?limit=10&after=0`);
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((job: { jobId: number }) => job.jobId)).toEqual([jobId]);
    expect((await get(`/api/v1/${projectKey}/jobs?limit=1000&after=${jobId}`)).body.data).toEqual([]);
  });
});
