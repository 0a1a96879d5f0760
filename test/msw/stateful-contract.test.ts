// Every answer the stateful MSW handlers give validates against the spec: a scripted flow drives
// every operation through its success and error answers, msw's `response:mocked` event
// records each answer, and each is checked with the spec's schemas (ajv, test/support/spec-schemas):
// declared status, declared media type, body schema, declared headers.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobsClient } from "../../client/index.js";
import { createStatefulHandlers } from "../../client/msw/index.js";
import { answerValidator, type HttpAnswer } from "../support/spec-schemas.js";
import { contract } from "../../client/contract/index.js";
import { declaredPairs, statusOfPair } from "../support/contract-coverage.js";
import { requestsToEveryOperation } from "../support/every-operation.js";

const BASE = "http://127.0.0.1:4010";
/** A body too large, too many calls, the database unavailable: the server's limits and failures, not the mocks'. */
const STATUSES_NEVER_MOCKED = [413, 429, 503];
const clock = { now: Date.UTC(2026, 0, 1) };
const mock = createStatefulHandlers({
  now: () => clock.now,
  startDelayMs: 3_600_000,
  tenants: [
    { apiKey: "key-a", projectKeys: ["proj-a"] },
    { apiKey: "key-b", projectKeys: ["proj-b"] },
  ],
});
const server = setupServer(...mock.handlers);
type Recorded = { operationId: string; method: string; url: string; answer: HttpAnswer };
// The event fires as each answer is sent; reading its body is async, so the promises are kept and awaited.
const recording: Promise<Recorded>[] = [];

/** Which operation a request is, by the spec's path rules (the flow below only calls operations). */
function operationOf(method: string, url: string): string {
  const pathname = new URL(url).pathname;
  const route = contract.route(method, pathname);
  // An empty last parameter (`/users/`) is refused as that operation's 400: the operation once it is given.
  const given = route.kind === "empty-parameter" ? contract.route(method, `${pathname.replace(/\/$/, "")}/given`) : route;
  return given.kind === "operation" ? given.operation.operationId : `no operation (${route.kind})`;
}

beforeAll(() => {
  server.events.on("response:mocked", ({ request, response }) => {
    const { method, url } = request;
    recording.push(
      response
        .clone()
        .text()
        .then((text) => ({
          operationId: operationOf(method, url),
          method,
          url,
          answer: { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined },
        })),
    );
  });
  server.listen({ onUnhandledRequest: "error" });
});
afterAll(() => server.close());

async function send(method: string, path: string, key: string | null = "key-a"): Promise<number> {
  const response = await fetch(BASE + path, { method, headers: key === null ? {} : { Authorization: key } });
  await response.arrayBuffer();
  return response.status;
}

describe("every answer of the stateful handlers validates against the spec", () => {
  it("across a scripted flow of all operations, successes and errors", async () => {
    const a = createJobsClient({ baseUrl: BASE, apiKey: "key-a" });
    const jobIds: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { data } = await a.DELETE("/api/v1/{projectKey}/users/{userId}", {
        params: { path: { projectKey: "proj-a", userId: `user-${i}@example.com` } },
      });
      jobIds.push(data!.data.jobId);
      clock.now += 1_000;
    }
    await send("DELETE", "/api/v1/proj-a/users/user-0@example.com"); // the pending one again
    const [j1, j2, j3, j4, j5] = jobIds as [number, number, number, number, number];
    mock.jobs.advance(j1, "running");
    mock.jobs.advance(j2, "running");
    mock.jobs.advance(j2, "completed");
    mock.jobs.advance(j3, "failed", "Deleting the sessions failed: the database did not answer in time.");
    for (const jobId of jobIds) await send("GET", `/api/v1/proj-a/jobs/${jobId}`);
    await send("DELETE", `/api/v1/proj-a/jobs/${j4}`); // 200 cancelled
    for (const jobId of [j2, j3, j4]) await send("DELETE", `/api/v1/proj-a/jobs/${jobId}`); // 501
    await send("DELETE", `/api/v1/proj-a/jobs/${j1}`); // a running one: 200

    // listJobs: whole, filtered, paged (with and without Link), following every page.
    for await (const _ of a.listAllJobs("proj-a", { pageSize: 2 })) void _;
    await send("GET", "/api/v1/proj-a/jobs");
    await send("GET", "/api/v1/proj-a/jobs?status=cancelled");
    await send("GET", "/api/v1/proj-a/jobs?status=scheduled&limit=1");
    await send("GET", `/api/v1/proj-a/jobs?limit=1000&after=${j5}`);

    // 401, 400, 404 on every operation.
    for (const { method, path } of requestsToEveryOperation({ projectKey: "proj-a", jobId: j1, userId: "u" })) {
      await send(method, path, null);
      await send(method, path, "wrong-key");
      await send(method, path.replace("proj-a", "proj-b")); // another organization's project
      await send(method, path.replace("proj-a", "nope")); // a missing project
      await send(method, `${path}?unknown=1`);
    }
    for (const query of ["limit=0", "limit=1001", "limit=x", "after=-1", "status=done", "limit=1&limit=2", "limit="]) {
      await send("GET", `/api/v1/proj-a/jobs?${query}`);
    }
    for (const jobId of ["0", "abc", "01", "9007199254740992", "%ED%A0%80"]) {
      await send("GET", `/api/v1/proj-a/jobs/${jobId}`);
      await send("DELETE", `/api/v1/proj-a/jobs/${jobId}`);
    }
    await send("GET", "/api/v1/proj-a/jobs/99999");
    await send("DELETE", "/api/v1/proj-a/jobs/99999");
    for (const userId of ["", "a".repeat(257), "a%01b", "a%"]) await send("DELETE", `/api/v1/proj-a/users/${userId}`);
    await send("GET", "/api/v1/bad.key/jobs");

    const recorded = await Promise.all(recording);
    const validate = answerValidator();
    const failures = recorded.flatMap((r) => validate(r.operationId, r.answer).map((f) => `${r.method} ${r.url}: ${f}`));
    expect(failures).toEqual([]);

    // The flow reached every answer the stateful handlers can give.
    // Every pair the spec declares but those of the server's limits and failures, which the mocks never answer.
    const pairs = new Set(recorded.map((r) => `${r.operationId} ${r.answer.status}`));
    expect([...pairs].sort()).toEqual(declaredPairs().filter((pair) => !STATUSES_NEVER_MOCKED.includes(statusOfPair(pair))));
    expect(recorded.some((r) => r.answer.headers.get("Link") !== null)).toBe(true);
  });

  it("the validator itself rejects an answer that breaks the spec", () => {
    const validate = answerValidator();
    const json = new Headers({ "Content-Type": "application/json" });
    const problem = new Headers({ "Content-Type": "application/problem+json" });
    expect(validate("getJob", { status: 200, headers: json, body: { data: { jobId: 1 } } })).not.toEqual([]);
    expect(validate("getJob", { status: 501, headers: problem, body: {} }).join()).toMatch(/body/);
    expect(validate("listJobs", { status: 400, headers: json, body: {} }).join()).toMatch(/Content-Type/);
    expect(
      validate("cancelJob", {
        status: 404,
        headers: problem,
        body: { type: "x", title: "t", status: 400, detail: "d", errors: ["d"] },
      }).join(),
    ).toMatch(/status 400/);
  });
});
