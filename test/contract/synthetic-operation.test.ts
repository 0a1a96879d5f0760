// Adding an operation needs no change to the parts derived from the spec. A copy of the repository
// (in a temporary folder, node_modules linked) gets one more operation in its openapi.yaml, a GET of
// a job's status changes, with the standard refusals, named examples and x-codeSamples like the
// others; `npm run generate` runs there, and then, with no other change, the copy's own code must
// know it: the operation table (contract.operations, contract.route), the example MSW handlers (its
// first example, and its 404 example for `Prefer: code=404`), the samples that run-samples runs, the
// (operation, status) pairs contract coverage requires, and the scenario table of docs/frontend.md.
// A list of operations typed into any of them makes this fail. docs/recipes.md names the files a
// person does edit to add an operation.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputOf, ROOT } from "../support/cli.js";

const OPERATION_ID = "getJobEvents";
const PATH = "/api/v1/{projectKey}/jobs/{jobId}/events";
/** The body of its first (and only) success example. */
const EVENTS = {
  data: [
    { jobId: 4711, status: "scheduled", at: 1623912955277 },
    { jobId: 4711, status: "cancelled", at: 1623913015276 },
  ],
};

/** The new operation, as a person writes it into openapi.yaml's `paths`. */
const SYNTHETIC_PATH = `
  ${PATH}:
    parameters:
      - $ref: '#/components/parameters/ProjectKey'
      - $ref: '#/components/parameters/JobId'
    get:
      operationId: ${OPERATION_ID}
      tags: [Jobs]
      summary: List the status changes of a job
      description: Every status the job has had, oldest first.
      responses:
        '200':
          description: The job's status changes, oldest first.
          headers:
            X-Request-Id:
              $ref: '#/components/headers/RequestId'
          content:
            application/json:
              schema:
                type: object
                description: The status changes.
                required: [data]
                properties:
                  data:
                    type: array
                    description: One entry per status, oldest first.
                    items:
                      type: object
                      description: A status the job took, and when.
                      required: [jobId, status, at]
                      properties:
                        jobId:
                          type: integer
                          description: The job.
                          example: 4711
                        status:
                          $ref: '#/components/schemas/JobStatus'
                        at:
                          $ref: '#/components/schemas/EpochMillis'
              examples:
                jobEvents:
                  summary: A job scheduled, then cancelled
                  value: ${JSON.stringify(EVENTS)}
        '400':
          $ref: '#/components/responses/BadJobRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/JobNotFound'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '429':
          $ref: '#/components/responses/TooManyRequests'
        '503':
          $ref: '#/components/responses/ServiceUnavailable'
        default:
          $ref: '#/components/responses/UnexpectedError'
      x-codeSamples:
        - lang: curl
          label: curl
          source: |
            curl 'https://openreplay.example.com/api/v1/YOUR_PROJECT_KEY/jobs/3451/events' \\
              -H 'Authorization: YOUR_ORGANIZATION_API_KEY'
        - lang: TypeScript
          label: TypeScript
          source: |
            import { createJobsClient } from "openreplay-jobs-api";

            const client = createJobsClient({ baseUrl: "https://openreplay.example.com", apiKey: "YOUR_ORGANIZATION_API_KEY" });
            const { data, error } = await client.GET("${PATH}", {
              params: { path: { projectKey: "YOUR_PROJECT_KEY", jobId: 3451 } },
            });
            if (error) throw new Error(error.detail);
            for (const event of data.data) console.log(event.jobId, event.status);
        - lang: Python
          label: Python
          source: |
            import openreplay_jobs_api as jobs_api

            config = jobs_api.Configuration(
                host="https://openreplay.example.com",
                api_key={"ApiKey": "YOUR_ORGANIZATION_API_KEY"},
            )
            with jobs_api.ApiClient(config) as client:
                for event in jobs_api.JobsApi(client).get_job_events("YOUR_PROJECT_KEY", 3451).data:
                    print(event.job_id, event.status.value)
        - lang: Go
          label: Go
          source: |
            package main

            import (
            	"context"
            	"fmt"
            	"log"
            	"net/http"

            	"openreplay.example.com/jobsapi"
            )

            func main() {
            	apiKey := jobsapi.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
            		req.Header.Set("Authorization", "YOUR_ORGANIZATION_API_KEY")
            		return nil
            	})
            	client, err := jobsapi.NewClientWithResponses("https://openreplay.example.com", apiKey)
            	if err != nil {
            		log.Fatal(err)
            	}
            	res, err := client.GetJobEventsWithResponse(context.Background(), "YOUR_PROJECT_KEY", 3451)
            	if err != nil || res.JSON200 == nil {
            		log.Fatal(err)
            	}
            	for _, event := range res.JSON200.Data {
            		fmt.Println(event.JobId, event.Status)
            	}
            }
`;

/** What of the repository the derived parts need; node_modules is linked, not copied. */
const COPIED = [
  "openapi.yaml",
  "redocly.yaml",
  "docs-template.hbs",
  "package.json",
  "tsconfig.json",
  "client",
  "generated",
  "scripts",
  "docs",
  "test/support",
];

/**
 * Run in the copy with tsx: what the copy's operation table, example MSW handlers and contract
 * coverage make of the operation (argv[2]), as JSON on stdout.
 */
const PROBE = `
import { setupServer } from "msw/node";
import { contract, fillPath, MOCK_BASE_URL } from "./client/contract/index.js";
import { createExampleHandlers } from "./client/msw/index.js";
import { declaredPairs } from "./test/support/contract-coverage.js";

const operationId = process.argv[2];
const operation = contract.operations.find((o) => o.operationId === operationId);
const values = Object.fromEntries(operation.parameters.filter((p) => p.in === "path").map((p) => [p.name, p.example]));
const path = fillPath(operation.path, values);
const route = contract.route(operation.method, path);
const server = setupServer(...createExampleHandlers());
server.listen({ onUnhandledRequest: "error" });
const answer = async (headers) => {
  const response = await fetch(MOCK_BASE_URL + path, { method: operation.method.toUpperCase(), headers: { Authorization: "k", ...headers } });
  return { status: response.status, body: await response.json() };
};
console.log(JSON.stringify({
  operations: contract.operations.map((o) => o.operationId),
  route: route.kind === "operation" ? route.operation.operationId : route.kind,
  firstExample: await answer({}),
  notFound: await answer({ Prefer: "code=404" }),
  pairs: declaredPairs().filter((pair) => pair.startsWith(operationId + " ")),
}));
server.close();
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe(`a synthetic operation (${OPERATION_ID}) added to a copy of the spec`, () => {
  let copy: string;
  /** Runs a command in the copy (node_modules/.bin first on PATH, as npm run does). */
  const inCopy = (command: string, args: string[]): Promise<Run> =>
    outputOf(
      spawn(command, args, {
        cwd: copy,
        env: { ...process.env, PATH: `${join(copy, "node_modules", ".bin")}:${process.env.PATH}`, REDOCLY_TELEMETRY: "off" },
      }),
    );
  const succeeded = (run: Run, what: string) => expect(run.code, `${what}:\n${run.stdout}\n${run.stderr}`).toBe(0);

  beforeAll(async () => {
    copy = mkdtempSync(join(tmpdir(), "jobs-api-synthetic-"));
    for (const entry of COPIED) {
      mkdirSync(dirname(join(copy, entry)), { recursive: true });
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
    const spec = readFileSync(join(copy, "openapi.yaml"), "utf8");
    const components = spec.indexOf("\ncomponents:\n");
    expect(components, "openapi.yaml has a top-level components: after paths:").toBeGreaterThan(spec.indexOf("\npaths:\n"));
    writeFileSync(join(copy, "openapi.yaml"), spec.slice(0, components) + SYNTHETIC_PATH + spec.slice(components));
    writeFileSync(join(copy, "probe.ts"), PROBE);
    succeeded(await inCopy("npm", ["run", "generate"]), "npm run generate in the copy");
  }, 300_000);

  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("is in the generated types, the operation table and its route, the example MSW handlers and contract coverage", async () => {
    expect(readFileSync(join(copy, "generated", "schema.ts"), "utf8")).toContain(`${OPERATION_ID}: {`);
    const run = await inCopy("tsx", ["probe.ts", OPERATION_ID]);
    succeeded(run, "the probe in the copy");
    const seen = JSON.parse(run.stdout) as {
      operations: string[];
      route: string;
      firstExample: { status: number; body: unknown };
      notFound: { status: number; body: unknown };
      pairs: string[];
    };
    expect(seen.operations).toContain(OPERATION_ID);
    expect(seen.route).toBe(OPERATION_ID);
    expect(seen.firstExample).toEqual({ status: 200, body: EVENTS });
    // The first example of its 404, as the copy's generated contract document holds it.
    const generated = JSON.parse(readFileSync(join(copy, "generated", "contract.json"), "utf8"));
    const notFoundExamples = generated.paths[PATH].get.responses["404"].content["application/problem+json"].examples;
    expect(seen.notFound).toEqual({ status: 404, body: (Object.values(notFoundExamples)[0] as { value: unknown }).value });
    expect(seen.pairs).toEqual(["400", "401", "404", "413", "429", "503", "200"].map((s) => `${OPERATION_ID} ${s}`).sort());
  }, 120_000);

  it("has its samples, in every language, in what npm run test:samples runs (checked generically)", async () => {
    const run = await inCopy("node", ["scripts/run-samples.mjs", "--list"]);
    succeeded(run, "run-samples --list in the copy");
    const plan = JSON.parse(run.stdout) as Array<{ operationId: string; languages: string[]; mock: string; server: string }>;
    expect(plan.find((entry) => entry.operationId === OPERATION_ID)).toEqual({
      operationId: OPERATION_ID,
      languages: ["curl", "TypeScript", "Python", "Go"],
      mock: "prints 4711 scheduled, 4711 cancelled",
      server: "generic",
    });
  }, 120_000);

  it("has its scenarios in the table of docs/frontend.md that npm run docs:scenarios writes", async () => {
    const stale = await inCopy("tsx", ["scripts/docs-scenarios.ts", "--check"]);
    expect(stale.code, "the copy's guide lacks the new operation's scenarios").toBe(1);
    succeeded(await inCopy("tsx", ["scripts/docs-scenarios.ts"]), "docs-scenarios in the copy");
    const guide = readFileSync(join(copy, "docs", "frontend.md"), "utf8");
    expect(guide).toContain(
      `| \`jobEvents\`: A job scheduled, then cancelled | ${OPERATION_ID} | nothing, or \`Prefer: example=jobEvents\` | 200, jobs 4711 \`scheduled\`, 4711 \`cancelled\` |`,
    );
    // It shares the refusals of the others: a row that names it beside getJob (its 404, say).
    expect(guide.split("\n").some((row) => row.includes(`getJob, `) && row.includes(OPERATION_ID))).toBe(true);
  }, 120_000);
});
