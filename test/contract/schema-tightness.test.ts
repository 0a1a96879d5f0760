// The spec is tight: answers generated from openapi.yaml alone, as a schema-driven mock makes
// them, keep every promise the real server's answers keep (test/support/answer-invariants.ts).
// The generator is json-schema-faker 0.5.8 with the options of Prism 5 (what `prism mock
// --dynamic` runs), seeded, ANSWERS_PER_PAIR answers per declared (operation, status) of the
// contract core's table. Removing a promise from a copy of the spec (dereferenced by Redocly, read
// by the core's contractOf) makes the generated answers break it: the check would notice.
import { JSONSchemaFaker } from "json-schema-faker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSWER_INVARIANTS, brokenInvariants } from "../support/answer-invariants.js";
import { databases, seedTenant } from "../support/databases.js";
import { jobData } from "../support/jobs.js";
import { startTestServer, type Answer, type TestServer } from "../support/server.js";
import { dereferenced, readSpec } from "../support/spec-schemas.js";
import { contract, contractOf, type Contract, type ContractDocument } from "../../client/contract/index.js";
import { insertJob } from "../../server/store/fixtures.js";
import type { JobStatus } from "../../server/store/types.js";

type Json = any;

const ANSWERS_PER_PAIR = 200;

/** Every (operationId, status, media-type schema) the contract declares; `default` answers as 500. */
function declaredAnswers(of: Contract<string>): Array<{ operationId: string; status: number; schema: Json }> {
  return of.operations.flatMap((operation) =>
    operation.responses.flatMap((response) =>
      response.content.map((media) => ({
        operationId: operation.operationId,
        status: response.status === "default" ? 500 : Number(response.status),
        schema: media.schema,
      })),
    ),
  );
}

/** A small seeded PRNG (mulberry32), so every run generates the same answers. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` answers generated from a (dereferenced) `schema` as Prism 5's dynamic mode does (its resetGenerator options). */
function generate(schema: Json, count: number, seed: number): unknown[] {
  JSONSchemaFaker.option({
    failOnInvalidTypes: false,
    failOnInvalidFormat: false,
    alwaysFakeOptionals: true,
    optionalsProbability: 1,
    fixedProbabilities: true,
    ignoreMissingRefs: true,
    useExamplesValue: false,
    useDefaultValue: false,
    random: seeded(seed),
  });
  return Array.from({ length: count }, () => JSONSchemaFaker.generate(structuredClone(schema)));
}

/** Every invariant the generated answers of `spec` break, with how often, per (operation, status). */
function brokenByGenerated(of: Contract<string>, count = ANSWERS_PER_PAIR, only?: { operationId: string; status: number }): string[] {
  const broken = new Map<string, number>();
  declaredAnswers(of).forEach(({ operationId, status, schema }, index) => {
    if (only !== undefined && (only.operationId !== operationId || only.status !== status)) return;
    for (const body of generate(schema, count, index + 1)) {
      for (const { invariant } of brokenInvariants(operationId, status, body)) {
        const key = `${operationId} ${status}: ${invariant}`;
        broken.set(key, (broken.get(key) ?? 0) + 1);
      }
    }
  });
  return [...broken].map(([key, times]) => `${key} (${times} of ${count})`);
}

describe("the real server's answers keep every invariant", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url());
  });
  afterAll(async () => server?.close());

  it("in every status a job can have, and in its error answers", async () => {
    const tenant = await seedTenant(server.store, "Invariants");
    const { projectKey, projectId } = tenant.project;
    const statuses: JobStatus[] = ["scheduled", "running", "completed", "failed", "cancelled"];
    const jobs = [];
    for (const status of statuses) jobs.push(await insertJob(server.store, jobData(projectId, status, `${status}@example.com`)));
    const key = tenant.apiKey;
    const answers: Array<[string, Answer]> = [
      ["listJobs", await server.call("GET", `/api/v1/${projectKey}/jobs`, { key })],
      ["listJobs", await server.call("GET", `/api/v1/${projectKey}/jobs?limit=2`, { key })],
    ];
    for (const job of jobs) answers.push(["getJob", await server.call("GET", `/api/v1/${projectKey}/jobs/${job.jobId}`, { key })]);
    answers.push(
      ["deleteUserData", await server.call("DELETE", `/api/v1/${projectKey}/users/new@example.com`, { key })],
      ["deleteUserData", await server.call("DELETE", `/api/v1/${projectKey}/users/running@example.com`, { key })],
      ["getJob", await server.call("GET", `/api/v1/${projectKey}/jobs/0x1`, { key })],
      ["getJob", await server.call("GET", `/api/v1/${projectKey}/jobs/999999`, { key })],
      ["getJob", await server.call("GET", `/api/v1/${projectKey}/jobs/1`, { key: null })],
    );
    // After deleteUserData, which answers the running job of running@example.com rather than a new one.
    for (const job of jobs) answers.push(["cancelJob", await server.call("DELETE", `/api/v1/${projectKey}/jobs/${job.jobId}`, { key })]);
    // Every job status and the answers that matter were seen, or the check below proves little.
    const seenStatuses = new Set(answers.flatMap(([, a]) => (a.status === 200 ? [a.body.data].flat().map((j: Json) => j.status) : [])));
    expect([...seenStatuses].sort()).toEqual([...statuses].sort());
    expect(new Set(answers.map(([, a]) => a.status))).toEqual(new Set([200, 400, 401, 404, 501]));
    expect(answers.filter(([op]) => op === "deleteUserData").map(([, a]) => a.body.data.status)).toEqual(["scheduled", "running"]);
    for (const [operationId, answer] of answers) {
      expect(brokenInvariants(operationId, answer.status, answer.body), `${operationId} ${answer.status}`).toEqual([]);
    }
  });
});

describe(`answers generated from the spec alone (json-schema-faker as Prism's dynamic mode, ${ANSWERS_PER_PAIR} per operation and status)`, () => {
  it("keep every invariant, for every declared (operation, status)", () => {
    const pairs = declaredAnswers(contract);
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    expect(brokenByGenerated(contract)).toEqual([]);
  });

  it("are varied: jobs in every status are generated", () => {
    const listed = declaredAnswers(contract).find((answer) => answer.operationId === "listJobs" && answer.status === 200)!;
    const jobs = generate(listed.schema, 100, 7).flatMap((body: Json) => body.data);
    const statuses = new Set(jobs.map((job: Json) => job.status));
    expect([...statuses].sort()).toEqual(["cancelled", "completed", "failed", "running", "scheduled"]);
  });
});

describe("removing a promise from (a copy of) the spec is caught", () => {
  const schemas = (spec: Json) => spec.components.schemas;
  const jobs = "a job has errors (a message) exactly when it failed";
  // What is removed, from which answer its absence shows, and the invariant it breaks there.
  const mutations: Array<[string, (spec: Json) => void, { operationId: string; status: number }, string]> = [
    [
      "cancelJob's answer without CancelledJobState",
      (spec) => delete schemas(spec).CancelledJobResponse.allOf,
      { operationId: "cancelJob", status: 200 },
      "cancelJob answers the job cancelled",
    ],
    [
      "deleteUserData's answer without PendingJobState",
      (spec) => delete schemas(spec).PendingJobResponse.allOf,
      { operationId: "deleteUserData", status: 200 },
      "deleteUserData answers a pending job (scheduled or running)",
    ],
    ["getJob's answer without JobState", (spec) => delete schemas(spec).JobResponse.allOf, { operationId: "getJob", status: 200 }, jobs],
    [
      "listJobs's answer without JobState",
      (spec) => delete schemas(spec).JobListResponse.allOf,
      { operationId: "listJobs", status: 200 },
      jobs,
    ],
    [
      "a failed job's errors allowed to be null",
      (spec) => (schemas(spec).FailedJobState.properties.errors = { type: ["string", "null"], minLength: 1 }),
      { operationId: "getJob", status: 200 },
      jobs,
    ],
    [
      "a completed job's errors allowed to be a message",
      (spec) => delete schemas(spec).CompletedJobState.properties.errors.const,
      { operationId: "getJob", status: 200 },
      jobs,
    ],
    [
      "a problem's errors list without its bounds",
      (spec) => delete schemas(spec).Problem.properties.errors.maxItems,
      { operationId: "listJobs", status: 404 },
      "a problem's errors is one message (the v1 format's list)",
    ],
  ];

  it("every invariant is covered by some mutation", () => {
    expect(new Set(mutations.map(([, , , invariant]) => invariant))).toEqual(new Set(ANSWER_INVARIANTS.map((i) => i.name)));
  });

  it.each(mutations)("%s: generated answers break it", async (_what, mutate, answer, invariant) => {
    expect(brokenByGenerated(contract, 50, answer)).toEqual([]); // as it is, the spec keeps it there
    const spec = readSpec();
    mutate(spec);
    const broken = brokenByGenerated(contractOf((await dereferenced(spec)) as ContractDocument), 50, answer);
    expect(
      broken.some((line) => line.includes(`: ${invariant} (`)),
      broken.join("\n"),
    ).toBe(true);
  });
});
