// The conformance kit against this repository's reference server, on SQLite and PostgreSQL:
// with writes and a second organization every check runs and passes; without them (the default,
// safe against production) the run sends only GET requests, changes nothing, and still passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS, runConformance, type ConformanceOptions } from "../../client/conformance/index.js";
import { databases, queryRaw, seedTenant } from "../support/databases.js";
import { jobData } from "../support/jobs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { insertJob } from "../../server/store/fixtures.js";

describe.each(databases)("conformance of the reference server on $name", (database) => {
  let server: TestServer;
  let url: string;
  let options: ConformanceOptions;

  beforeAll(async () => {
    url = await database.url();
    server = await startTestServer(url);
    const own = await seedTenant(server.store, "conformance-own");
    const other = await seedTenant(server.store, "conformance-other");
    // Jobs in every final status, and one in the other organization, for the read-only checks.
    for (const [status, user] of [
      ["completed", "ana"],
      ["failed", "li"],
      ["cancelled", "omar"],
    ] as const) {
      await insertJob(server.store, jobData(own.project.projectId, status, `${user}@example.com`));
    }
    await insertJob(server.store, jobData(other.project.projectId, "completed", "zoe@example.com"));
    options = {
      baseUrl: server.url,
      apiKey: own.apiKey,
      projectKey: own.project.projectKey,
      otherApiKey: other.apiKey,
      otherProjectKey: other.project.projectKey,
    };
  });

  afterAll(async () => {
    await server?.close();
  });

  it("a read-only run (the default) passes, skips the writing checks and sends nothing but GET", async () => {
    const before = await queryRaw(url, "select * from jobs order by job_id");
    const methods = new Set<string>();
    const report = await runConformance({
      ...options,
      fetch: (target, init) => {
        methods.add(init.method ?? "GET");
        return fetch(target, init);
      },
    });
    expect(report.checks.filter((c) => c.outcome === "failed")).toEqual([]);
    expect(report.ok).toBe(true);
    const skipped = report.checks.filter((c) => c.outcome === "skipped");
    expect(skipped.map((c) => c.id)).toEqual(CHECKS.filter((c) => c.needs.includes("writes")).map((c) => c.id));
    expect(skipped.every((c) => c.reason === "needs --allow-writes")).toBe(true);
    expect([...methods]).toEqual(["GET"]);
    expect(await queryRaw(url, "select * from jobs order by job_id")).toEqual(before);
  });

  it("with --allow-writes and the other tenant every check runs and passes, and the jobs it created end cancelled", async () => {
    const report = await runConformance({ ...options, allowWrites: true, userPrefix: "conformance-test-" });
    expect(report.checks.filter((c) => c.outcome !== "passed")).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id));
    expect(report.summary).toEqual({ total: CHECKS.length, passed: CHECKS.length, failed: 0, skipped: 0 });
    const pending = await queryRaw(url, "select job_id from jobs where status in ('scheduled', 'running')");
    expect(pending).toEqual([]);
    expect(report.cleanup.length).toBeGreaterThan(0);
  });

  it("a second run against the same projects (now with jobs) passes too", async () => {
    const report = await runConformance({ ...options, allowWrites: true });
    expect(report.checks.filter((c) => c.outcome !== "passed")).toEqual([]);
  });
});
