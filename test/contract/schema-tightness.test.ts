// The spec is tight: answers generated from openapi.yaml alone, as a schema-driven mock makes
// them, keep every promise the real server's answers keep (test/support/answer-invariants.ts).
// The generator is json-schema-faker 0.5.8 with the options of Prism 5 (what `prism mock
// --dynamic` runs), seeded, ANSWERS_PER_PAIR answers per declared (operation, status). Removing
// a promise from a copy of the spec makes the generated answers break it: the check would notice.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JSONSchemaFaker } from "json-schema-faker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/redocly.js";
import { ANSWER_INVARIANTS, brokenInvariants } from "../support/answer-invariants.js";
import { databases, seedTenant } from "../support/databases.js";
import { jobData } from "../support/jobs.js";
import { startTestServer, type Answer, type TestServer } from "../support/server.js";
import { insertJob } from "../../server/store/fixtures.js";
import type { JobStatus } from "../../server/store/types.js";

type Json = any;

const SPEC: Json = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
const ANSWERS_PER_PAIR = 200;

/** Every (operationId, status, media-type schema) the spec declares; `default` answers as 500. */
function declaredAnswers(spec: Json): Array<{ operationId: string; status: number; schema: Json }> {
  const out: Array<{ operationId: string; status: number; schema: Json }> = [];
  for (const item of Object.values<Json>(spec.paths)) {
    for (const operation of Object.values<Json>(item)) {
      if (!operation?.operationId) continue;
      for (const [status, response] of Object.entries<Json>(operation.responses)) {
        for (const media of Object.values<Json>(dereference(spec, response).content ?? {})) {
          out.push({ operationId: operation.operationId, status: status === "default" ? 500 : Number(status), schema: media.schema });
        }
      }
    }
  }
  return out;
}

/** The node with every local $ref replaced by its target (the spec has no cycles). */
function dereference(spec: Json, node: Json): Json {
  if (Array.isArray(node)) return node.map((item) => dereference(spec, item));
  if (!node || typeof node !== "object") return node;
  if (typeof node.$ref === "string") {
    const target = node.$ref
      .slice(2)
      .split("/")
      .reduce((at: Json, part: string) => at[part.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
    const { $ref: _ref, ...siblings } = node;
    return dereference(spec, { ...target, ...siblings });
  }
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === "example" || key === "examples" ? value : dereference(spec, value)]),
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

/** `count` answers generated from `schema` as Prism 5's dynamic mode does (its resetGenerator options). */
function generate(spec: Json, schema: Json, count: number, seed: number): unknown[] {
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
  const resolved = dereference(spec, schema);
  return Array.from({ length: count }, () => JSONSchemaFaker.generate(structuredClone(resolved)));
}

/** Every invariant the generated answers of `spec` break, with how often, per (operation, status). */
function brokenByGenerated(spec: Json, count = ANSWERS_PER_PAIR, only?: { operationId: string; status: number }): string[] {
  const broken = new Map<string, number>();
  declaredAnswers(spec).forEach(({ operationId, status, schema }, index) => {
    if (only !== undefined && (only.operationId !== operationId || only.status !== status)) return;
    for (const body of generate(spec, schema, count, index + 1)) {
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
    const pairs = declaredAnswers(SPEC);
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    expect(brokenByGenerated(SPEC)).toEqual([]);
  });

  it("are varied: jobs in every status are generated", () => {
    const jobs = generate(SPEC, { $ref: "#/components/schemas/JobListResponse" }, 100, 7).flatMap((body: Json) => body.data);
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

  it.each(mutations)("%s: generated answers break it", (_what, mutate, answer, invariant) => {
    expect(brokenByGenerated(SPEC, 50, answer)).toEqual([]); // as it is, the spec keeps it there
    const spec = structuredClone(SPEC);
    mutate(spec);
    const broken = brokenByGenerated(spec, 50, answer);
    expect(
      broken.some((line) => line.includes(`: ${invariant} (`)),
      broken.join("\n"),
    ).toBe(true);
  });
});
