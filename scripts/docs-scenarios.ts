// `npm run docs:scenarios`: writes the table of the mock's scenarios into docs/frontend.md, between
// `<!-- scenarios:begin -->` and `<!-- scenarios:end -->`, from generated/openapi.json: every
// (operation, declared status, named example), the `Prefer` header that makes the Prism mock (and
// the MSW example handlers) answer it, and what comes back. The scenarios themselves live in the
// spec; this only lays them out, so the guide cannot drift from it.
// `--check` writes nothing and exits 1 when the guide is out of date (test/docs/scenarios.test.ts
// checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const GUIDE = join(ROOT, "docs", "frontend.md");
export const BEGIN = "<!-- scenarios:begin: written by `npm run docs:scenarios` from openapi.yaml; do not edit -->";
export const END = "<!-- scenarios:end -->";

const METHODS = ["get", "put", "post", "patch", "delete"] as const;
/** Headers the table names once, under it, rather than in every row. */
const UNDER_THE_TABLE = /^(x-request-id|ratelimit|ratelimit-policy)$/i;

// The parts of the bundled spec read here; any node may instead be a `$ref` into components.
interface Reference {
  $ref: string;
}
type OrRef<T> = T | Reference;
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
interface ExampleNode {
  summary?: string;
  value?: ExampleBody;
}
interface HeaderNode {
  example?: unknown;
  schema?: { example?: unknown };
}
interface ResponseNode {
  headers?: Record<string, OrRef<HeaderNode>>;
  content?: Record<string, { examples?: Record<string, OrRef<ExampleNode>> }>;
}
interface OperationNode {
  operationId: string;
  responses: Record<string, OrRef<ResponseNode>>;
}
export interface SpecDocument {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], OperationNode>>>;
  components: Record<string, Record<string, unknown>>;
}

function isReference(node: unknown): node is Reference {
  return typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string";
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

function deref<T>(spec: SpecDocument, value: OrRef<T>): T {
  if (!isReference(value)) return value;
  const [, , kind = "", name = ""] = value.$ref.split("/"); // "#/components/<kind>/<name>"
  return deref(spec, spec.components[kind]![name] as OrRef<T>);
}

/** "job 3454, `running`" / "jobs 3451 `scheduled`, 3452 `cancelled`" / the problem's type. */
function describeBody(body: ExampleBody | undefined): string {
  if (typeof body?.type === "string" && typeof body.status === "number") return `\`${body.type}\` "${body.detail}"`;
  const data = body?.data;
  if (Array.isArray(data)) {
    return data.length === 0 ? "no jobs" : `jobs ${data.map((job) => `${job.jobId} \`${job.status}\``).join(", ")}`;
  }
  if (data && typeof data === "object") return `job ${data.jobId}, \`${data.status}\``;
  return JSON.stringify(body);
}

/** Every scenario of the spec, in the spec's order (operations, then statuses, then examples). */
export function scenarios(spec: SpecDocument): Scenario[] {
  const found: Scenario[] = [];
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      for (const [status, responseRef] of Object.entries(operation.responses)) {
        const response = deref(spec, responseRef);
        const headers = Object.entries(response.headers ?? {})
          .map(([name, header]) => [name, deref(spec, header)] as const)
          .map(([name, header]) => [name, header.example ?? header.schema?.example] as const)
          // X-Request-Id is on every answer, and the RateLimit fields on every answer of a counted
          // request, the same in each (the lines under the table say so): no news in a row.
          .filter(([name, example]) => example !== undefined && !UNDER_THE_TABLE.test(name))
          .map(([name, example]) => `\`${name}: ${String(example)}\``);
        for (const content of Object.values(response.content ?? {})) {
          Object.entries(content.examples ?? {}).forEach(([name, exampleRef], index) => {
            const example = deref(spec, exampleRef);
            const success = /^2\d\d$/.test(status);
            // `default` is answered for the status its example carries (500).
            const code = status === "default" ? String(example.value?.status ?? 500) : status;
            const prefer = success
              ? `\`Prefer: example=${name}\``
              : index === 0
                ? `\`Prefer: code=${code}\``
                : `\`Prefer: code=${code}, example=${name}\``;
            found.push({
              operationId: operation.operationId,
              status,
              example: name,
              summary: example.summary ?? name,
              send: success && index === 0 ? `nothing, or ${prefer}` : prefer,
              answer: [code, describeBody(example.value), ...headers].join(", "),
            });
          });
        }
      }
    }
  }
  return found;
}

/** The Markdown table: one row per scenario, the operations that share it in one row. */
export function scenariosTable(spec: SpecDocument): string {
  const all = scenarios(spec);
  const operations = [...new Set(all.map((s) => s.operationId))];
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
  const example = (name: string) => String(deref(spec, (spec.components.headers?.[name] ?? {}) as OrRef<HeaderNode>).example);
  lines.push(
    "",
    "Every answer also carries `X-Request-Id` (the caller's own, when it sent a well-formed one). The answers that",
    "declare the rate-limit fields (those of requests counted against the key's quota) carry these: " +
      `\`RateLimit: ${example("RateLimit")}\`, \`RateLimit-Policy: ${example("RateLimitPolicy")}\`.`,
  );
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
  const spec = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8")) as SpecDocument;
  const current = readFileSync(GUIDE, "utf8");
  const updated = withScenarios(current, scenariosTable(spec));
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
