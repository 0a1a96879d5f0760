// docs/frontend.md's table of the mock's scenarios is made from the spec (scripts/docs-scenarios.ts,
// `npm run docs:scenarios`): it must be what the script writes now, and name every declared
// (operation, status, example) with the Prefer header that picks it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { contract, contractOf, type ContractDocument } from "../../client/contract/index.js";
import { BEGIN, END, GUIDE, scenarios, scenariosTable, summariesOf, withScenarios } from "../../scripts/docs-scenarios.js";
import { dereferenced } from "../support/spec-schemas.js";

const summaryOf = summariesOf(await dereferenced());
const guide = readFileSync(GUIDE, "utf8");

describe("the scenario table of docs/frontend.md", () => {
  it("is what npm run docs:scenarios writes from openapi.yaml (run it and commit when this fails)", () => {
    expect(guide).toContain(BEGIN);
    expect(guide).toContain(END);
    expect(withScenarios(guide, scenariosTable(contract, summaryOf))).toBe(guide);
  });

  it("has a row for every declared (operation, status, named example)", () => {
    const rows = guide
      .slice(guide.indexOf(BEGIN), guide.indexOf(END))
      .split("\n")
      .filter((l) => l.startsWith("| `"));
    const all = scenarios(contract, summaryOf);
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const s of all) {
      const row = rows.find((r) => r.startsWith(`| \`${s.example}\`:`) && r.includes(s.send) && r.includes(` ${s.answer} |`));
      expect(row, `${s.operationId} ${s.status} ${s.example}`).toBeDefined();
      expect(row!.split(" | ")[1]!.split(", ")).toSatisfy((ops: string[]) => ops.includes("all") || ops.includes(s.operationId));
    }
  });

  it("says which Prefer header picks each answer, as the mock reads it", () => {
    const find = (operationId: string, example: string) =>
      scenarios(contract, summaryOf).find((s) => s.operationId === operationId && s.example === example);
    expect(find("getJob", "documentJob")?.send).toBe("nothing, or `Prefer: example=documentJob`"); // the first 200 example
    expect(find("getJob", "runningJob")?.send).toBe("`Prefer: example=runningJob`");
    expect(find("getJob", "jobNotFound")?.send).toBe("`Prefer: code=404`"); // the first 404 example
    expect(find("getJob", "projectNotFound")?.send).toBe("`Prefer: code=404, example=projectNotFound`");
    expect(find("cancelJob", "jobNotCancellable")?.answer).toMatch(/^501, `urn:problem:jobs-api:job-not-cancellable` "/);
    expect(find("listJobs", "internalError")?.send).toBe("`Prefer: code=500`"); // `default`, answered as 500
    expect(find("listJobs", "rateLimited")?.answer).toContain("`Retry-After: 30`");
  });

  it("follows the spec: a new named example becomes a row", () => {
    const changed: any = structuredClone(contract.document);
    const getJob = changed.paths["/api/v1/{projectKey}/jobs/{jobId}"].get;
    getJob.responses["200"].content["application/json"].examples.brandNew = { value: { data: { jobId: 4242, status: "running" } } };
    const withSummary: typeof summaryOf = (...at) => (at[3] === "brandNew" ? "A job added to the spec" : summaryOf(...at));
    expect(scenariosTable(contractOf(changed as ContractDocument), withSummary)).toContain(
      "| `brandNew`: A job added to the spec | getJob | `Prefer: example=brandNew` | 200, job 4242, `running` |",
    );
  });
});
