// `npm run docs:scenarios`: writes the table of the mock's scenarios into docs/frontend.md, between
// `<!-- scenarios:begin -->` and `<!-- scenarios:end -->`, from the contract core's operation table:
// every (operation, declared status, named example), the `Prefer` header that makes the Prism mock
// (and the MSW example handlers) answer it, and what comes back. Each example's summary is prose
// the table leaves out; it comes from the spec, dereferenced by Redocly. The scenarios themselves
// live in the spec; this only lays them out, so the guide cannot drift from it.
// `--check` writes nothing and exits 1 when the guide is out of date (test/docs/scenarios.test.ts
// checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { contract as packageContract, type Contract, type Json, type Operation } from "../client/contract/index.js";
import { bundleSpec } from "./lib/spec.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const GUIDE = join(ROOT, "docs", "frontend.md");
export const BEGIN = "<!-- scenarios:begin: written by `npm run docs:scenarios` from openapi.yaml; do not edit -->";
export const END = "<!-- scenarios:end -->";

interface JobBody {
  jobId?: number;
  status?: string;
}
/** An example's value: a problem (type, status, detail) or a job list / job under `data`. */
interface ExampleBody {
  type?: string;
  status?: number;
  detail?: string;
  data?: JobBody[] | JobBody;
}

/** An example's summary (prose the operation table leaves out), by where the example is declared. */
export type SummaryOf = (operation: Operation<string>, status: string, mediaType: string, example: string) => string | undefined;

/** What summariesOf reads of a spec: each named example's summary, under its operation and answer. */
interface ProseDocument {
  paths?: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { examples?: Record<string, { summary?: string }> }> }> }>
  >;
}

/** The summaries of a spec whose $refs are resolved (`redocly bundle --dereferenced`). */
export function summariesOf(dereferenced: unknown): SummaryOf {
  const prose = dereferenced as ProseDocument;
  return (operation, status, mediaType, example) =>
    prose.paths?.[operation.path]?.[operation.method]?.responses?.[status]?.content?.[mediaType]?.examples?.[example]?.summary;
}

export interface Scenario {
  operationId: string;
  /** The declared status: "200", "404", "default". */
  status: string;
  example: string;
  summary: string;
  /** What to send besides Authorization. */
  send: string;
  answer: string;
}

/** "job 3454, `running`" / "jobs 3451 `scheduled`, 3452 `cancelled`" / the problem's type. */
function describeBody(value: Json): string {
  const body = value as ExampleBody | undefined;
  if (typeof body?.type === "string" && typeof body.status === "number") return `\`${body.type}\` "${body.detail}"`;
  const data = body?.data;
  if (Array.isArray(data)) {
    return data.length === 0 ? "no jobs" : `jobs ${data.map((job) => `${job.jobId} \`${job.status}\``).join(", ")}`;
  }
  if (data && typeof data === "object") return `job ${data.jobId}, \`${data.status}\``;
  return JSON.stringify(body);
}

/** Every scenario of the contract, in the spec's order (operations, then statuses, then examples). */
export function scenarios(contract: Contract<string>, summaryOf: SummaryOf): Scenario[] {
  const found: Scenario[] = [];
  for (const operation of contract.operations) {
    for (const response of operation.responses) {
      const { status } = response;
      const headers = response.headers
        // X-Request-Id is on every answer (the line under the table says so): no news in a row.
        .filter((header) => header.example !== undefined && header.name.toLowerCase() !== "x-request-id")
        .map((header) => `\`${header.name}: ${String(header.example as string | number)}\``);
      for (const media of response.content) {
        media.examples.forEach(({ name, value }, index) => {
          const success = /^2\d\d$/.test(status);
          // `default` is answered for the status its example carries (500).
          const code = status === "default" ? String((value as ExampleBody | undefined)?.status ?? 500) : status;
          const prefer = success
            ? `\`Prefer: example=${name}\``
            : index === 0
              ? `\`Prefer: code=${code}\``
              : `\`Prefer: code=${code}, example=${name}\``;
          found.push({
            operationId: operation.operationId,
            status,
            example: name,
            summary: summaryOf(operation, status, media.type, name) ?? name,
            send: success && index === 0 ? `nothing, or ${prefer}` : prefer,
            answer: [code, describeBody(value), ...headers].join(", "),
          });
        });
      }
    }
  }
  return found;
}

/** The Markdown table: one row per scenario, the operations that share it in one row. */
export function scenariosTable(contract: Contract<string>, summaryOf: SummaryOf): string {
  const all = scenarios(contract, summaryOf);
  const operations = contract.operations.filter((operation) => all.some((s) => s.operationId === operation.operationId));
  const rank = (status: string) => (status === "default" ? 1000 : Number(status));
  const rows = new Map<string, { status: string; scenario: Scenario; operations: string[] }>();
  for (const scenario of all) {
    const key = [scenario.status, scenario.example, scenario.send, scenario.answer].join("\n");
    const row = rows.get(key) ?? { status: scenario.status, scenario, operations: [] };
    row.operations.push(scenario.operationId);
    rows.set(key, row);
  }
  const ordered = [...rows.values()].sort((a, b) => rank(a.status) - rank(b.status)); // stable: spec order within a status
  const lines = [
    "| Example: what it shows | Operations | Send, besides `Authorization` | Answer: status, body, headers |",
    "|---|---|---|---|",
    ...ordered.map(({ scenario, operations: ops }) => {
      const which = ops.length === operations.length ? "all" : ops.join(", ");
      return `| \`${scenario.example}\`: ${scenario.summary} | ${which} | ${scenario.send} | ${scenario.answer} |`;
    }),
  ];
  lines.push("", "Every answer also carries `X-Request-Id` (the caller's own, when it sent a well-formed one).");
  return lines.join("\n") + "\n";
}

/** The guide with its scenarios section replaced by `table`. */
export function withScenarios(markdown: string, table: string): string {
  const begin = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`the guide has no "${BEGIN}" ... "${END}" section`);
  return markdown.slice(0, begin + BEGIN.length) + "\n" + table + markdown.slice(end);
}

function main(args: string[]): number {
  const summaryOf = summariesOf(bundleSpec(join(ROOT, "generated", "openapi.json"), { dereferenced: true }));
  const current = readFileSync(GUIDE, "utf8");
  const updated = withScenarios(current, scenariosTable(packageContract, summaryOf));
  if (args.includes("--check")) {
    if (updated === current) return 0;
    console.error("docs/frontend.md's scenario table is out of date: run `npm run docs:scenarios` and commit the result");
    return 1;
  }
  if (updated !== current) writeFileSync(GUIDE, updated);
  console.log(updated === current ? "docs/frontend.md: scenarios up to date" : "docs/frontend.md: scenarios written");
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
