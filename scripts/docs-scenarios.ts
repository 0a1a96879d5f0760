// `npm run docs:scenarios`: writes the table of the mock's scenarios into docs/frontend.md, between
// `<!-- scenarios:begin -->` and `<!-- scenarios:end -->`, from the contract core's operation table:
// every (operation, declared status, named example), the `Prefer` header that makes the Prism mock
// (and the MSW example handlers) answer it, and what comes back. Each example's summary is prose
// the table leaves out; it comes from the spec, dereferenced by Redocly. The scenarios themselves
// live in the spec; this only lays them out, so the guide cannot drift from it.
// `--check` writes nothing and exits 1 when the guide is out of date (test/docs/scenarios.test.ts
// checks the same).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withSection, writeSection } from "./lib/guide-section.js";
import { contract as packageContract, type Contract, type Json, type Operation } from "../client/contract/index.js";
import { bundleSpec } from "./lib/spec.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const GUIDE = join(ROOT, "docs", "frontend.md");
export const BEGIN = "<!-- scenarios:begin: written by `npm run docs:scenarios` from openapi.yaml; do not edit -->";
export const END = "<!-- scenarios:end -->";
/** Headers the table names once, under it, rather than in every row. */
const UNDER_THE_TABLE = /^(x-request-id|ratelimit|ratelimit-policy)$/i;

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
        // X-Request-Id is on every answer, and the RateLimit fields on every answer of a counted
        // request, the same in each (the lines under the table say so): no news in a row.
        .filter((header) => header.example !== undefined && !UNDER_THE_TABLE.test(header.name))
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
  const headers = contract.operations.flatMap((operation) => operation.responses.flatMap((response) => response.headers));
  const example = (name: string): string => {
    const value: unknown = headers.find((header) => header.name.toLowerCase() === name.toLowerCase())?.example;
    if (typeof value !== "string") throw new Error(`openapi.yaml: the ${name} header has no example`);
    return value;
  };
  lines.push(
    "",
    "Every answer also carries `X-Request-Id` (the caller's own, when it sent a well-formed one). The answers that",
    "declare the rate-limit fields (those of requests counted against the key's quota) carry these: " +
      `\`RateLimit: ${example("RateLimit")}\`, \`RateLimit-Policy: ${example("RateLimit-Policy")}\`.`,
  );
  return lines.join("\n") + "\n";
}

/** The guide with its scenarios section replaced by `table`. */
export function withScenarios(markdown: string, table: string): string {
  return withSection(markdown, BEGIN, END, table);
}

function main(args: string[]): number {
  const summaryOf = summariesOf(bundleSpec(join(ROOT, "generated", "openapi.json"), { dereferenced: true }));
  return writeSection(
    {
      file: GUIDE,
      begin: BEGIN,
      end: END,
      block: scenariosTable(packageContract, summaryOf),
      what: "scenario table",
      command: "npm run docs:scenarios",
    },
    args,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
