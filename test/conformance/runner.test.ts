// How runConformance judges answers, shown on the upstream-like fixture with a fetch that alters
// some answers: every answer is validated against the spec (a violation fails the check even
// when the check's own expectation held), and a 429 is waited out and retried, not judged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConformanceConnectionError,
  ConformanceUsageError,
  runConformance,
  type ConformanceOptions,
} from "../../client/conformance/index.js";
import { startUpstreamLikeServer, type UpstreamLikeServer } from "./upstream-like-server.js";

describe("runConformance", () => {
  let upstream: UpstreamLikeServer;
  let options: ConformanceOptions;

  beforeAll(async () => {
    upstream = await startUpstreamLikeServer();
    const [own] = upstream.tenants;
    options = { baseUrl: upstream.url, apiKey: own.apiKey, projectKey: own.projectKey };
  });

  afterAll(async () => {
    await upstream?.close();
  });

  /** A fetch that passes requests on and lets `alter` rewrite the answer. */
  const altering =
    (alter: (url: string, response: Response, body: string) => Response | undefined) =>
    async (url: string, init: RequestInit): Promise<Response> => {
      const response = await fetch(url, init);
      const body = await response.text();
      return alter(url, response, body) ?? new Response(body, { status: response.status, headers: response.headers });
    };

  it("fails a check whose answer has an undeclared Content-Type, though its status and body were right", async () => {
    const report = await runConformance({
      ...options,
      only: ["auth.raw-key-accepted"],
      fetch: altering((url, response, body) =>
        url.endsWith("/jobs") ? new Response(body, { status: response.status, headers: { "content-type": "text/plain" } }) : undefined,
      ),
    });
    const [check] = report.checks.filter((c) => c.outcome !== "skipped");
    expect(check).toMatchObject({ id: "auth.raw-key-accepted", outcome: "failed", expected: "every answer as the spec declares it" });
    expect(check!.got).toMatch(/Content-Type text\/plain is not declared for 200 answers of listJobs \(application\/json\)$/);
  });

  it("fails a check whose 404 problem lacks a required field", async () => {
    const report = await runConformance({
      ...options,
      only: ["notFound.unknown-project"],
      fetch: altering((_url, response, body) => {
        if (response.status !== 404) return undefined;
        const { errors: _dropped, ...problem } = JSON.parse(body) as Record<string, unknown>;
        return new Response(JSON.stringify(problem), { status: 404, headers: { "content-type": "application/problem+json" } });
      }),
    });
    const check = report.checks.find((c) => c.id === "notFound.unknown-project")!;
    expect(check.outcome).toBe("failed");
    expect(check.details).toContainEqual(
      expect.stringMatching(/the body does not match the 404 schema of listJobs: \(root\) must have required property 'errors'/),
    );
  });

  it("fails a check that gets a status its operation does not declare", async () => {
    const report = await runConformance({
      ...options,
      only: ["badInput.unknown-status"],
      fetch: altering((url, _response, body) =>
        url.includes("status=unknown")
          ? new Response(body, { status: 422, headers: { "content-type": "application/problem+json" } })
          : undefined,
      ),
    });
    const check = report.checks.find((c) => c.id === "badInput.unknown-status")!;
    expect(check.outcome).toBe("failed");
    expect(check.details).toContainEqual(expect.stringMatching(/status 422 is not declared for listJobs/));
  });

  it("waits out a 429 (its Retry-After) and judges the retried answer", async () => {
    let limited = 0;
    const report = await runConformance({
      ...options,
      only: ["auth.raw-key-accepted"],
      fetch: async (url, init) => {
        if (limited++ === 1) {
          return new Response(
            JSON.stringify({
              type: "urn:problem:jobs-api:rate-limited",
              title: "Too Many Requests",
              status: 429,
              detail: "slow down",
              errors: ["slow down"],
            }),
            {
              status: 429,
              headers: { "content-type": "application/problem+json", "retry-after": "1" },
            },
          );
        }
        return fetch(url, init);
      },
    });
    expect(report.checks.find((c) => c.id === "auth.raw-key-accepted")).toMatchObject({ outcome: "passed", requests: 1 });
    expect(limited).toBe(3); // the first check's first request, its 429, and the retry
  });

  it("rejects unusable options (ConformanceUsageError) and an address that does not answer (ConformanceConnectionError)", async () => {
    await expect(runConformance({ ...options, apiKey: "" })).rejects.toBeInstanceOf(ConformanceUsageError);
    await expect(runConformance({ ...options, otherApiKey: "k" })).rejects.toThrow(/both --other-api-key and --other-project-key/);
    await expect(runConformance({ ...options, skip: ["tenancy.nothing"] })).rejects.toThrow(/no check is named "tenancy.nothing"/);
    const refused = runConformance({
      ...options,
      fetch: () => Promise.reject(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") })),
    });
    await expect(refused).rejects.toBeInstanceOf(ConformanceConnectionError);
    await expect(refused).rejects.toThrow(/did not answer: GET \/api\/v1\/upstreamProjectOne\/jobs: no answer \(connect ECONNREFUSED\)/);
  });
});
