// Values the code spells out or reads from the spec, proven equal to the spec (openapi.yaml, as
// generated/openapi.json): problem types, job statuses, and the bounds a 400's words name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINAL_JOB_STATUSES } from "../../client/index.js";
import { PROBLEM_KINDS } from "../../server/http/problems.js";
import { contract, type OperationId } from "../../client/contract/index.js";
import { ACTIVE_STATUSES } from "../../server/store/jobs.js";
import { readSpec } from "../support/spec-schemas.js";
import { databases, queryRaw, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";

const spec = readSpec() as {
  components: {
    schemas: { JobStatus: { enum: string[] }; Problem: { properties: { type: { description: string } } } };
    parameters: { JobId: { schema: { minimum: number; maximum: number } } };
  };
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; schema?: { minimum?: number; maximum?: number } }> }>>;
};
const specStatuses = spec.components.schemas.JobStatus.enum;

/** An integer parameter's bounds, from the contract core's operation table. */
function integerBounds(operationId: OperationId, name: string): { minimum: number; maximum: number } {
  const parameter = contract.operation(operationId).parameters.find((p) => p.name === name);
  if (parameter === undefined) throw new Error(`${operationId} has no parameter ${name}`);
  return { minimum: parameter.schema.minimum!, maximum: parameter.schema.maximum! };
}

/** 'a', 'b' → ["a", "b"] (a status list as SQL spells it). */
const sqlList = (text: string) => [...text.matchAll(/'([a-z_]+)'/g)].map((match) => match[1]);

describe("code and spec agree", () => {
  it("the problem kinds are those Problem.type's description lists", () => {
    const description = spec.components.schemas.Problem.properties.type.description;
    const listed = [...description.matchAll(/`(?:urn:problem:jobs-api|\.\.\.):([a-z-]+)`/g)].map((match) => match[1]);
    expect([...PROBLEM_KINDS].sort()).toEqual([...new Set(listed)].sort());
  });

  it("the active statuses and the client's final statuses divide the spec's JobStatus enum", () => {
    expect([...ACTIVE_STATUSES, ...FINAL_JOB_STATUSES].sort()).toEqual([...specStatuses].sort());
  });

  it("the operation table holds a parameter's bounds as the spec writes them, through a $ref", () => {
    const listJobs = spec.paths["/api/v1/{projectKey}/jobs"]!.get!.parameters!;
    const limit = listJobs.find((parameter) => parameter.name === "limit")!.schema!;
    expect(integerBounds("listJobs", "limit")).toEqual({ minimum: limit.minimum, maximum: limit.maximum });
    const { minimum, maximum } = spec.components.parameters.JobId.schema;
    expect(integerBounds("cancelJob", "jobId")).toMatchObject({ minimum, maximum });
  });
});

describe("the database schema and the spec agree (migration 0001 on SQLite)", () => {
  it("the status CHECK allows exactly the spec's JobStatus enum, and the one-active-job index covers ACTIVE_STATUSES", async () => {
    const url = await databases.find((database) => database.name === "sqlite")!.url();
    const server = await startTestServer(url);
    await server.close();
    const [table] = await queryRaw(url, "select sql from sqlite_master where type = 'table' and name = 'jobs'");
    const [index] = await queryRaw(url, "select sql from sqlite_master where type = 'index' and name = 'jobs_one_active_per_reference'");
    const check = /status in \(([^)]*)\)/.exec(String(table!.sql))![1]!;
    const predicate = /where "?status"? in \(([^)]*)\)/i.exec(String(index!.sql))![1]!;
    expect(sqlList(check).sort()).toEqual([...specStatuses].sort());
    expect(sqlList(predicate)).toEqual([...ACTIVE_STATUSES]);
  });
});

describe("400 answers name the spec's bounds", () => {
  let server: TestServer;
  let base: string;
  let key: string;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url());
    const tenant = await seedTenant(server.store, "Bounds");
    key = tenant.apiKey;
    base = `/api/v1/${tenant.project.projectKey}`;
  });
  afterAll(() => server?.close());

  it.each([
    // Plain decimal digits (so the canonical-integer check passes them on) beyond every bound.
    ["limit", `jobs?limit=${"9".repeat(20)}`, "query parameter limit", integerBounds("listJobs", "limit")],
    ["after", `jobs?after=${"9".repeat(20)}`, "query parameter after", integerBounds("listJobs", "after")],
    ["jobId", `jobs/${"9".repeat(20)}`, "path parameter jobId", integerBounds("getJob", "jobId")],
  ])("%s", async (_name, path, label, bounds) => {
    const answer = await server.call("GET", `${base}/${path}`, { key });
    expect(answer.status).toBe(400);
    // In the canonical-integer check's words or the validator's ("must be <= 1000"): the spec's bound either way.
    expect(answer.body.detail).toContain(`${label} must be`);
    expect(answer.body.detail).toContain(String(bounds.maximum));
  });
});
