// openapi.yaml passes `redocly lint` with the rules of redocly.yaml, and those rules really bite:
// copies of the spec with one convention broken each (written to a temporary directory, never
// to the checkout) are linted with the same redocly.yaml and must fail with the expected rule.
// Likewise for the OWASP ruleset of .spectral.yaml (its copies in the git-ignored out/).
//
// The copies are made from `redocly bundle openapi.yaml` (JSON), which is the spec itself,
// re-serialised: openapi.yaml is a single file with internal $refs only.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeProblems, lint, ROOT, runRedocly } from "../support/redocly.js";
import { spectralLint } from "../support/spectral.js";

/** A parsed OpenAPI document (any: each test asserts the part it reads). */
type Spec = any;

describe("redocly lint on openapi.yaml", () => {
  it("exits 0 with no errors and no warnings", async () => {
    const report = await lint("openapi.yaml");
    expect(describeProblems(report.problems)).toBe("");
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(report.code).toBe(0);
  });
});

describe("the lint rules of redocly.yaml reject a spec that breaks a convention", () => {
  let dir: string;
  let base: Spec;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "lint-mutations-"));
    copyFileSync(join(ROOT, "redocly.yaml"), join(dir, "redocly.yaml"));
    const bundled = await runRedocly(["bundle", "openapi.yaml", "--ext", "json", "--output", join(dir, "base.json")]);
    expect(bundled.code, bundled.stderr).toBe(0);
    base = JSON.parse(readFileSync(join(dir, "base.json"), "utf8"));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Lints a copy of the spec changed by `mutate`, with the project's redocly.yaml. */
  async function lintMutated(name: string, mutate: (spec: Spec) => void) {
    const spec = structuredClone(base);
    mutate(spec);
    const file = `${name}.json`;
    writeFileSync(join(dir, file), JSON.stringify(spec, null, 2));
    return lint(file, { cwd: dir, config: join(dir, "redocly.yaml") });
  }

  it("the unchanged copy passes, so every failure below comes from its one change", async () => {
    const report = await lintMutated("unchanged", () => {});
    expect(describeProblems(report.problems)).toBe("");
    expect(report.code).toBe(0);
  });

  const job = (spec: Spec) => spec.components.schemas.Job.properties;
  const listJobs = (spec: Spec) => spec.paths["/api/v1/{projectKey}/jobs"].get;

  const cases: { name: string; rule: string; pointer: string; mutate: (spec: Spec) => void }[] = [
    {
      name: "a property without description",
      rule: "rule/property-description",
      pointer: "#/components/schemas/Job/properties/projectId",
      mutate: (s) => delete job(s).projectId.description,
    },
    {
      name: "a property with an empty description",
      rule: "rule/property-description",
      pointer: "#/components/schemas/Problem/properties/detail",
      mutate: (s) => (s.components.schemas.Problem.properties.detail.description = ""),
    },
    {
      name: "a $ref property that lost its sibling description",
      rule: "rule/property-description",
      pointer: "#/components/schemas/Job/properties/createdAt",
      mutate: (s) => delete job(s).createdAt.description,
    },
    {
      name: "a nested object's property without description",
      rule: "rule/property-description",
      pointer: "#/components/schemas/Job/properties/meta/properties/source",
      mutate: (s) =>
        (job(s).meta = {
          type: "object",
          description: "Where the job came from.",
          properties: { source: { type: "string", example: "api" } },
        }),
    },
    {
      name: "a named schema without description",
      rule: "rule/component-schema-description",
      pointer: "#/components/schemas/JobStatus",
      mutate: (s) => delete s.components.schemas.JobStatus.description,
    },
    {
      name: "a property without example",
      rule: "rule/property-example",
      pointer: "#/components/schemas/Problem/properties/title",
      mutate: (s) => delete s.components.schemas.Problem.properties.title.example,
    },
    {
      name: "a $ref property that lost its sibling example",
      rule: "rule/property-example",
      pointer: "#/components/schemas/Job/properties/startAt",
      mutate: (s) => delete job(s).startAt.example,
    },
    {
      name: "a named scalar schema without example",
      rule: "rule/component-schema-example",
      pointer: "#/components/schemas/EpochMillis",
      mutate: (s) => delete s.components.schemas.EpochMillis.example,
    },
    {
      // A new operation (rather than stripping an existing one, which would leave its error
      // responses unused and fire no-unused-components too).
      name: "an operation without any 4xx response",
      rule: "operation-4xx-response",
      pointer: "#/paths/~1api~1v1~1{projectKey}~1health/get/responses",
      mutate: (s) =>
        (s.paths["/api/v1/{projectKey}/health"] = {
          parameters: [{ $ref: "#/components/parameters/ProjectKey" }],
          get: {
            operationId: "getHealth",
            tags: ["Jobs"],
            summary: "Check the project",
            description: "Answers 200 when the project can be reached.",
            responses: {
              "200": { description: "The project can be reached." },
              default: { $ref: "#/components/responses/UnexpectedError" },
            },
          },
        }),
    },
    {
      name: "a 4xx response that is not application/problem+json",
      rule: "operation-4xx-problem-details-rfc7807",
      pointer: "#/components/responses/Unauthorized",
      mutate: (s) => {
        const content = s.components.responses.Unauthorized.content;
        content["application/json"] = content["application/problem+json"];
        delete content["application/problem+json"];
      },
    },
    {
      name: "a response example whose field has the wrong type",
      rule: "no-invalid-media-type-examples",
      pointer: "#/components/examples/upstreamDocumentJob/value/data/jobId",
      mutate: (s) => (s.components.examples.upstreamDocumentJob.value.data.jobId = "3451"),
    },
    {
      name: "a response example that lacks a required field",
      rule: "no-invalid-media-type-examples",
      pointer: "#/components/examples/upstreamDocumentJobList/value/data/1",
      mutate: (s) => delete s.components.examples.upstreamDocumentJobList.value.data[1].startAt,
    },
    // (A field no schema defines is test/contract/examples.test.ts's to find: see redocly.yaml.)
    {
      name: "a response example of a job that failed without errors",
      rule: "no-invalid-media-type-examples",
      pointer: "#/components/examples/failedJob/value/data",
      mutate: (s) => (s.components.examples.failedJob.value.data.errors = null),
    },
    {
      name: "a cancelJob example of a job that is not cancelled",
      rule: "no-invalid-media-type-examples",
      pointer: "#/components/examples/cancelledJob/value/data/status",
      mutate: (s) => (s.components.examples.cancelledJob.value.data.status = "completed"),
    },
    {
      name: "a problem example with a status out of range",
      rule: "no-invalid-media-type-examples",
      pointer: "#/components/examples/unauthorizedProblem/value/status",
      mutate: (s) => (s.components.examples.unauthorizedProblem.value.status = 200),
    },
    {
      name: "a parameter example that violates its schema",
      rule: "no-invalid-parameter-examples",
      pointer: "#/components/parameters/JobId/example",
      mutate: (s) => (s.components.parameters.JobId.example = 0),
    },
    {
      name: "a schema property example that violates its schema",
      rule: "no-invalid-schema-examples",
      pointer: "#/components/schemas/Job/properties/projectId/example",
      mutate: (s) => (job(s).projectId.example = "one"),
    },
    {
      name: "an unused schema",
      rule: "no-unused-components",
      pointer: "#/components/schemas/Unused",
      mutate: (s) => (s.components.schemas.Unused = { type: "string", description: "Nobody.", example: "x" }),
    },
    {
      name: "an unused example",
      rule: "no-unused-components",
      pointer: "#/components/examples/unusedExample",
      mutate: (s) => (s.components.examples.unusedExample = { summary: "Nobody", value: { data: [] } }),
    },
    {
      name: "an operation without operationId",
      rule: "operation-operationId",
      pointer: "#/paths/~1api~1v1~1{projectKey}~1jobs/get/operationId",
      mutate: (s) => delete listJobs(s).operationId,
    },
    {
      name: "a parameter without description",
      rule: "parameter-description",
      pointer: "#/paths/~1api~1v1~1{projectKey}~1jobs/get/parameters/1",
      mutate: (s) => delete listJobs(s).parameters[1].description,
    },
  ];

  it.concurrent.each(cases)("$name fails with $rule", async ({ name, rule, pointer, mutate }) => {
    const report = await lintMutated(name.replace(/[^a-z0-9]+/gi, "-"), mutate);
    const problems = describeProblems(report.problems);
    expect(report.code, problems).not.toBe(0);
    // Only the rule under test fires, and it points at what was changed.
    expect(new Set(report.problems.map((p) => p.ruleId)), problems).toEqual(new Set([rule]));
    expect(
      report.problems.every((p) => p.severity === "error"),
      problems,
    ).toBe(true);
    expect(
      report.problems.map((p) => p.location[0]?.pointer),
      problems,
    ).toContain(pointer);
  });

  it("a bare $ref property takes its description and example from the schema it references", async () => {
    const report = await lintMutated("bare-ref", (s) => {
      job(s).createdAt = { $ref: "#/components/schemas/EpochMillis" };
    });
    expect(describeProblems(report.problems)).toBe("");
    expect(report.code).toBe(0);
  });
});

describe("the OWASP API ruleset (.spectral.yaml) on openapi.yaml", () => {
  it("finds nothing: every finding is fixed, or switched off with its reason", async () => {
    const { code, findings } = await spectralLint(["openapi.yaml"]);
    expect(findings.map((f) => `${f.code} at ${f.path.join(".")}`)).toEqual([]);
    expect(code).toBe(0);
  });

  // Copies of the spec with one finding seeded each, linted in one run. They sit in out/ (see
  // test/support/spectral.ts), each as openapi.yaml in its own folder.
  const seeded: { name: string; rule: string; path: string; mutate: (spec: Spec) => void }[] = [
    {
      name: "a string without maxLength",
      rule: "owasp:api4:2023-string-limit",
      path: "components.schemas.Problem.properties.hint",
      mutate: (s) =>
        (s.components.schemas.Problem.properties.hint = { type: "string", pattern: "^.+$", description: "A hint.", example: "x" }),
    },
    {
      name: "an integer without format",
      rule: "owasp:api4:2023-integer-format",
      path: "components.schemas.Problem.properties.status",
      mutate: (s) => delete s.components.schemas.Problem.properties.status.format,
    },
    {
      name: "a 4xx answer of a counted request without RateLimit",
      rule: "owasp:api4:2023-rate-limit",
      path: "components.responses.JobNotFound.headers",
      mutate: (s) => {
        delete s.components.responses.JobNotFound.headers.RateLimit;
        delete s.components.responses.JobNotFound.headers["RateLimit-Policy"];
      },
    },
  ];

  it("fails on a finding seeded into a copy, naming its rule and where", async () => {
    mkdirSync(join(ROOT, "out"), { recursive: true });
    const dir = mkdtempSync(join(ROOT, "out", "lint-owasp-"));
    try {
      const base: Spec = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
      const files = ["unchanged", ...seeded.map((c) => c.name)].map((name, index) => {
        const spec = structuredClone(base);
        seeded[index - 1]?.mutate(spec);
        mkdirSync(join(dir, String(index)));
        const file = join(dir, String(index), "openapi.yaml"); // JSON is YAML
        writeFileSync(file, JSON.stringify(spec, null, 2));
        return { name, file };
      });
      const { code, findings } = await spectralLint(files.map((f) => f.file));
      expect(code).not.toBe(0);
      const found = (file: string) => findings.filter((f) => f.source === file).map((f) => `${f.code} at ${f.path.join(".")}`);
      expect(found(files[0]!.file), "the unchanged copy").toEqual([]);
      seeded.forEach(({ name, rule, path }, index) => {
        expect(found(files[index + 1]!.file), name).toContain(`${rule} at ${path}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
