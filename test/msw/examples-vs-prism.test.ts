// The example-based MSW handlers answer exactly as the Prism mock (`npm run mock`) does: the same
// request (method, path, Authorization, Prefer) goes to both, and status, Content-Type, body and
// the spec's declared headers (Link, Retry-After) must be equal. So a frontend switches between
// Prism and MSW without changing anything.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleHandlers } from "../../client/msw/index.js";
import { type RunningMock, startMock } from "../support/mock.js";
import { declared, DOC_PROJECT_KEY, exampleParameters } from "./support.js";
import { contract, type OperationId } from "../../client/contract/index.js";
import { requestOf } from "../support/every-operation.js";

const MSW_BASE = "http://msw.test";
const server = setupServer(...createExampleHandlers({ baseUrl: MSW_BASE }));
let mock: RunningMock;

beforeAll(async () => {
  // Requests to Prism (127.0.0.1) pass through; those to msw.test are answered by the handlers.
  server.listen({ onUnhandledRequest: "bypass" });
  mock = await startMock();
}, 120_000);

afterAll(async () => {
  server.close();
  await mock?.close();
});

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** Each operation's request, on its parameters' spec examples. */
const paths = new Map(contract.operations.map((operation) => [operation.operationId, requestOf(operation, exampleParameters(operation))]));
const key = { Authorization: "test-key" };
const probe = (operationId: string, headers: Record<string, string> = key, path?: string): Probe => ({
  method: paths.get(operationId as OperationId)!.method,
  path: path ?? paths.get(operationId as OperationId)!.path,
  headers,
});

const probes: [string, Probe][] = [];
for (const operationId of paths.keys()) {
  probes.push([`${operationId} without Prefer`, probe(operationId)]);
  probes.push([`${operationId} without Authorization`, probe(operationId, {})]);
  probes.push([`${operationId} without Authorization, Prefer: code=200`, probe(operationId, { Prefer: "code=200" })]);
  probes.push([`${operationId} Prefer: code=503 (undeclared)`, probe(operationId, { ...key, Prefer: "code=503" })]);
  probes.push([`${operationId} Prefer: example=nope`, probe(operationId, { ...key, Prefer: "example=nope" })]);
}
// The one deliberate difference: an unknown example together with a code makes Prism fail with its
// own 500 ("...#UNKNOWN: ... We tried default response..."); MSW answers the 404 NOT_FOUND Prism
// gives for an unknown example alone. Both are Prism-namespace errors, never a spec answer.
const unknownExampleWithCode = [...paths.keys()].map(
  (operationId) =>
    [`${operationId} Prefer: code=404, example=nope`, probe(operationId, { ...key, Prefer: "code=404, example=nope" })] as const,
);
for (const d of declared) {
  probes.push([
    `${d.operationId} Prefer: code=${d.code}, example=${d.example}`,
    probe(d.operationId, { ...key, Prefer: `code=${d.code}, example=${d.example}` }),
  ]);
  probes.push([`${d.operationId} Prefer: example=${d.example}`, probe(d.operationId, { ...key, Prefer: `example=${d.example}` })]);
  if (d.first) probes.push([`${d.operationId} Prefer: code=${d.code}`, probe(d.operationId, { ...key, Prefer: `code=${d.code}` })]);
}
probes.push(
  [
    "getJob Prefer: code=404, example=completedJob (falls back to the 200 example)",
    probe("getJob", { ...key, Prefer: "code=404, example=completedJob" }),
  ],
  ["getJob Prefer: example=completedJob, code=404", probe("getJob", { ...key, Prefer: "example=completedJob, code=404" })],
  ["getJob Prefer: respond-async, code=404", probe("getJob", { ...key, Prefer: "respond-async, code=404" })],
  ["getJob Prefer: code=404;x=1", probe("getJob", { ...key, Prefer: "code=404;x=1" })],
  ["getJob Prefer: code=201", probe("getJob", { ...key, Prefer: "code=201" })],
  ["getJob Prefer: code=abc", probe("getJob", { ...key, Prefer: "code=abc" })],
  ["getJob Authorization: Bearer x", probe("getJob", { Authorization: "Bearer x" })],
  ["getJob without Authorization, Prefer: code=401, example=invalidApiKey", probe("getJob", { Prefer: "code=401, example=invalidApiKey" })],
  ["listJobs limit=0", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=0`)],
  ["listJobs limit=1001", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=1001`)],
  ["listJobs limit=01", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=01`)],
  ["listJobs limit=2&after=3452", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=2&after=3452`)],
  ["listJobs limit=1&limit=2", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=1&limit=2`)],
  ["listJobs status=done", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?status=done`)],
  ["listJobs status=running", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?status=running`)],
  ["listJobs after=-1", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?after=-1`)],
  ["listJobs unknown=1", probe("listJobs", key, `/api/v1/${DOC_PROJECT_KEY}/jobs?unknown=1`)],
  ["listJobs limit=0 without Authorization", probe("listJobs", {}, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=0`)],
  [
    "listJobs limit=0, Prefer: code=400, example=invalidQuery",
    probe("listJobs", { ...key, Prefer: "code=400, example=invalidQuery" }, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=0`),
  ],
  ["listJobs limit=0, Prefer: code=404", probe("listJobs", { ...key, Prefer: "code=404" }, `/api/v1/${DOC_PROJECT_KEY}/jobs?limit=0`)],
  ["listJobs projectKey not.a.key", probe("listJobs", key, "/api/v1/not.a.key/jobs")],
  ["getJob jobId abc", probe("getJob", key, `/api/v1/${DOC_PROJECT_KEY}/jobs/abc`)],
  ["getJob jobId 0", probe("getJob", key, `/api/v1/${DOC_PROJECT_KEY}/jobs/0`)],
  ["getJob jobId 9999", probe("getJob", key, `/api/v1/${DOC_PROJECT_KEY}/jobs/9999`)],
  ["getJob jobId 9007199254740991", probe("getJob", key, `/api/v1/${DOC_PROJECT_KEY}/jobs/9007199254740991`)],
  ["cancelJob jobId -1", probe("cancelJob", key, `/api/v1/${DOC_PROJECT_KEY}/jobs/-1`)],
  ["deleteUserData userId of 256 characters", probe("deleteUserData", key, `/api/v1/${DOC_PROJECT_KEY}/users/${"a".repeat(256)}`)],
  ["deleteUserData userId of 257 characters", probe("deleteUserData", key, `/api/v1/${DOC_PROJECT_KEY}/users/${"a".repeat(257)}`)],
  ["deleteUserData userId with %01", probe("deleteUserData", key, `/api/v1/${DOC_PROJECT_KEY}/users/a%01b`)],
  ["deleteUserData userId with %2F", probe("deleteUserData", key, `/api/v1/${DOC_PROJECT_KEY}/users/a%2Fb`)],
  // Requests no operation takes: Prism's own 404 and 405 problems.
  ["GET /nope", { method: "GET", path: "/nope", headers: key }],
  ["GET a path in another case", { method: "GET", path: `/api/v1/${DOC_PROJECT_KEY}/Jobs`, headers: key }],
  ["GET of deleteUserData's path", { method: "GET", path: `/api/v1/${DOC_PROJECT_KEY}/users/x`, headers: key }],
  ["DELETE of listJobs' path", { method: "DELETE", path: `/api/v1/${DOC_PROJECT_KEY}/jobs`, headers: key }],
  ["DELETE /users/ (no userId)", { method: "DELETE", path: `/api/v1/${DOC_PROJECT_KEY}/users/`, headers: key }],
);

async function answer(base: string, p: Probe) {
  const response = await fetch(base + p.path, { method: p.method, headers: p.headers });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get("Content-Type"),
    link: response.headers.get("Link"),
    retryAfter: response.headers.get("Retry-After"),
    body: text ? JSON.parse(text) : undefined,
  };
}

describe("MSW example handlers and the Prism mock give the same answer", () => {
  it("covers every declared (operation, status, example)", () => {
    const probed = new Set(probes.map(([name]) => name));
    for (const d of declared) expect(probed.has(`${d.operationId} Prefer: code=${d.code}, example=${d.example}`)).toBe(true);
  });

  it.each(probes)("%s", async (_, p) => {
    const [prism, msw] = await Promise.all([answer(mock.url, p), answer(MSW_BASE, p)]);
    expect(msw).toEqual(prism);
  });

  it.each(unknownExampleWithCode)("%s: both answer a Prism error (MSW: 404 NOT_FOUND, Prism: 500 UNKNOWN)", async (_, p) => {
    const [prism, msw] = await Promise.all([answer(mock.url, p), answer(MSW_BASE, p)]);
    expect(prism.body.type).toMatch(/^https:\/\/stoplight\.io\/prism\/errors#/);
    expect(msw.status).toBe(404);
    expect(msw.body).toMatchObject({ type: "https://stoplight.io/prism/errors#NOT_FOUND", detail: expect.stringContaining("nope") });
  });
});
