// How runConformance judges answers, shown on the upstream-like fixture with a fetch that alters
// some answers: every answer is validated against the spec (a violation fails the check even
// when the check's own expectation held), and a 429 is waited out and retried, not judged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConformanceConnectionError,
  ConformanceUsageError,
  formatJunitReport,
  formatTextReport,
  runConformance,
  type ConformanceOptions,
} from "../../client/conformance/index.js";
import { MAX_BODY_BYTES } from "../../client/conformance/context.js";
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

  /** A problem answer, as a fake server sends it. */
  const problem = (status: number, detail: string, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify({ type: "urn:problem:jobs-api:bad-request", title: "Bad", status, detail, errors: [detail] }), {
      status,
      headers: { "content-type": "application/problem+json", ...headers },
    });

  it("never prints a key a server echoes, in any report form: as sent, JSON-escaped or percent-encoded", async () => {
    const apiKey = 'sec/ret "key" ü';
    const otherApiKey = "other-secret-key-0123456789";
    const report = await runConformance({
      baseUrl: "http://api.test",
      apiKey,
      projectKey: "p1",
      otherApiKey,
      otherProjectKey: "p2",
      fetch: async (_url, init) => {
        const sent = new Headers(init.headers).get("authorization") ?? "";
        // The key in the detail (JSON-escaped by JSON.stringify), raw in the title, percent-encoded in instance.
        return new Response(
          JSON.stringify({
            type: "x",
            title: sent,
            status: 404,
            detail: `unknown key ${sent}`,
            instance: encodeURIComponent(sent),
            errors: [sent],
          }),
          { status: 404, headers: { "content-type": "application/problem+json" } },
        );
      },
    });
    expect(report.summary.failed).toBeGreaterThan(0);
    const forms = [JSON.stringify(report), formatTextReport(report), formatJunitReport(report)];
    for (const form of forms) {
      for (const key of [apiKey, otherApiKey]) {
        for (const shown of [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)]) expect(form).not.toContain(shown);
      }
      expect(form).toContain("[API key]");
    }
  });

  it("reads at most 4 MiB of a body: an endless 200 fails its check instead of filling the memory", async () => {
    let produced = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          produced += 65_536;
          controller.enqueue(new Uint8Array(65_536).fill(0x20));
        },
      });
    const report = await runConformance({
      ...options,
      only: ["auth.raw-key-accepted"],
      fetch: async () => new Response(endless(), { status: 200, headers: { "content-type": "application/json" } }),
    });
    const check = report.checks.find((c) => c.id === "auth.raw-key-accepted")!;
    expect(check.outcome).toBe("failed");
    expect(check.details.join("\n")).toContain(`the body is larger than ${MAX_BODY_BYTES} bytes`);
    // Two answers read (the first request, and the check's), each stopped just past the limit.
    expect(produced).toBeLessThan(3 * MAX_BODY_BYTES);
  });

  it("ends at its deadline against a server answering 429 with Retry-After: 60 to everything", async () => {
    let requests = 0;
    const started = Date.now();
    const report = await runConformance({
      ...options,
      allowWrites: true,
      deadlineMs: 2_000,
      fetch: async () => {
        requests++;
        return problem(429, "slow down", { "retry-after": "60" });
      },
    });
    // Generous: before the deadline, the run waited 60 s twice per request (about two hours).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => c.outcome === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.expected).toBe("the run to end within its deadline (2000 ms, --deadline)");
    expect(failed[0]!.got).toMatch(/429 with Retry-After 60; waiting it out would pass the run's deadline/);
    const after = report.checks.slice(report.checks.indexOf(failed[0]!) + 1);
    expect(after.length).toBeGreaterThan(0);
    for (const check of after) expect(check.reason ?? "", check.id).toMatch(/deadline|not selected|needs/);
    expect(requests).toBeLessThan(10);
  });

  it("refuses a base URL with credentials, without printing the password", async () => {
    const attempt = runConformance({ ...options, baseUrl: "http://user:s3cret-pass@127.0.0.1:9" });
    await expect(attempt).rejects.toBeInstanceOf(ConformanceUsageError);
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/must not hold credentials/);
    expect(error.message).not.toContain("s3cret-pass");
    const unparsable = (await runConformance({ ...options, baseUrl: "http://user:s3cret-pass@[bad" }).catch((e: unknown) => e)) as Error;
    expect(unparsable.message).toMatch(/not a URL/);
    expect(unparsable.message).not.toContain("s3cret-pass");
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
