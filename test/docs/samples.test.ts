// Every operation shows code samples (x-codeSamples) in curl, TypeScript, Python and Go, written
// as a user pastes them: for https://openreplay.example.com, YOUR_ORGANIZATION_API_KEY and
// YOUR_PROJECT_KEY, never for this repository's localhost. `npm run test:samples`
// (scripts/run-samples.mjs, in CI after the clients are generated) runs each of them against the
// mock and the server; this is the quick check that they are there and can be run at all.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/redocly.js";
import { contract } from "../../client/contract/index.js";

type Json = Record<string, any>;
const spec: Json = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
/** Every operation of the contract table, with its samples (prose the table leaves out) from the bundled spec. */
const operations = contract.operations.map(({ operationId, path, method }) => ({
  path,
  operationId,
  samples: (spec.paths[path][method]["x-codeSamples"] ?? []) as Json[],
}));

describe.each(operations)("$operationId's code samples", ({ path, samples }) => {
  it("are in curl, TypeScript, Python and Go, in that order", () => {
    expect(samples.map((s) => s.lang)).toEqual(["curl", "TypeScript", "Python", "Go"]);
    expect(samples.map((s) => s.label)).toEqual(["curl", "TypeScript", "Python", "Go"]);
  });

  it.each(["curl", "TypeScript", "Python", "Go"])("%s uses the placeholders that the sample runner substitutes", (lang) => {
    const source: string = samples.find((s) => s.lang === lang)?.source ?? "";
    expect(source).toContain("https://openreplay.example.com");
    expect(source).toContain("YOUR_ORGANIZATION_API_KEY");
    expect(source).toContain("YOUR_PROJECT_KEY");
    if (path.includes("{jobId}")) expect(source).toMatch(/\b3451\b/);
    expect(source).not.toMatch(/localhost|127\.0\.0\.1|3sWXSsqHgSKnE87YkNJK/);
  });

  it("imports the clients by the names users install them under", () => {
    const source = (lang: string): string => samples.find((s) => s.lang === lang)?.source ?? "";
    expect(source("TypeScript")).toMatch(/^import \{ createJobsClient \} from "openreplay-jobs-api";$/m);
    expect(source("Python")).toMatch(/^import openreplay_jobs_api as jobs_api$/m);
    expect(source("Go")).toContain('"openreplay.example.com/jobsapi"');
  });
});
