// The conformance kit against the Prism mock (`npm run mock`), which answers every request from the
// spec's examples and keeps no state: the checks marked stateful fail (documented in
// docs/conformance.md, "Against a mock"), every other check passes. So the stateless checks
// prove what a mock can prove (auth header present, bad input refused, answers valid), and a
// stateful check passing against something that keeps no state would be a bug in the kit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS, runConformance } from "../../client/conformance/index.js";
import { startMock, type RunningMock } from "../support/mock.js";

describe("conformance of the Prism mock", () => {
  let mock: RunningMock;

  beforeAll(async () => {
    mock = await startMock();
  });

  afterAll(async () => {
    await mock?.close();
  });

  it("fails exactly the stateful checks and passes all others, every answer valid", async () => {
    const report = await runConformance({
      baseUrl: mock.url,
      apiKey: "any-key",
      projectKey: "3sWXSsqHgSKnE87YkNJK",
      otherApiKey: "another-key",
      otherProjectKey: "OtherProject",
      allowWrites: true,
    });
    const ids = (outcome: string) => report.checks.filter((c) => c.outcome === outcome).map((c) => c.id);
    expect(ids("skipped")).toEqual([]);
    expect(ids("failed")).toEqual(CHECKS.filter((c) => c.stateful).map((c) => c.id));
    expect(ids("passed")).toEqual(CHECKS.filter((c) => !c.stateful).map((c) => c.id));
    // The mock's answers are the spec's own examples: a stateful check fails on behaviour, never on shape.
    expect(report.checks.flatMap((c) => c.details.filter((d) => d.startsWith("spec: ")))).toEqual([]);
    expect(report.ok).toBe(false);
  });
});
