// The conformance kit against a fixture that keeps the contract except for three deviations of
// upstream OpenReplay v1.26 (upstream-like-server.ts): the run fails, and the failed checks are
// exactly the ones that name those deviations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConformance } from "../../client/conformance/index.js";
import { startUpstreamLikeServer, type UpstreamLikeServer } from "./upstream-like-server.js";

describe("conformance of an upstream-like implementation", () => {
  let upstream: UpstreamLikeServer;

  beforeAll(async () => {
    upstream = await startUpstreamLikeServer();
  });

  afterAll(async () => {
    await upstream?.close();
  });

  it("fails exactly the checks of its three deviations: 400 for a second cancel, 200 for a missing job, no tenancy", async () => {
    const [own, other] = upstream.tenants;
    const report = await runConformance({
      baseUrl: upstream.url,
      apiKey: own.apiKey,
      projectKey: own.projectKey,
      otherApiKey: other.apiKey,
      otherProjectKey: other.projectKey,
      allowWrites: true,
    });
    const failed = report.checks.filter((c) => c.outcome === "failed");
    expect(failed.map((c) => c.id).sort()).toEqual(
      [
        "cancelJob.second-cancel-501", // 400 instead of 501
        "notFound.unknown-job", // 200 {"data": {}}
        "tenancy.other-job", // a missing job is no 404 to compare with
        "tenancy.other-project", // any key reaches any project
        "tenancy.other-tenant-writes",
      ].sort(),
    );
    expect(report.checks.filter((c) => c.outcome === "skipped")).toEqual([]);
    expect(report.ok).toBe(false);
    const byId = Object.fromEntries(failed.map((c) => [c.id, c]));
    expect(byId["cancelJob.second-cancel-501"]?.expected).toMatch(/-> 501 application\/problem\+json$/);
    expect(byId["cancelJob.second-cancel-501"]?.got).toMatch(/-> 400 application\/problem\+json/);
    expect(byId["notFound.unknown-job"]?.got).toMatch(/-> 200 application\/json \{"data":\{\}\}$/);
    expect(byId["notFound.unknown-job"]?.details).toContainEqual(expect.stringMatching(/^spec: GET .*must have required property 'jobId'/));
    expect(byId["tenancy.other-project"]?.got).toMatch(/status 200 instead of 404/);
  });

  it("a read-only run without the other tenant fails only on the missing job", async () => {
    const [own] = upstream.tenants;
    const report = await runConformance({ baseUrl: upstream.url, apiKey: own.apiKey, projectKey: own.projectKey });
    expect(report.checks.filter((c) => c.outcome === "failed").map((c) => c.id)).toEqual(["notFound.unknown-job"]);
    expect(report.checks.find((c) => c.id === "tenancy.other-project")?.reason).toBe("needs --other-api-key and --other-project-key");
  });
});
