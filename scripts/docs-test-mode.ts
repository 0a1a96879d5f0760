// `npm run docs:test-mode`: writes the test-mode table (client/contract/test-mode.ts) into
// docs/frontend.md, between `<!-- test-mode:begin -->` and `<!-- test-mode:end -->`, as Markdown;
// `npm run docs` puts the same block into the reference page's introduction (scripts/docs.mjs).
// The values live in the table; this only lays them out, so the guide cannot drift from what the
// sandbox and the MSW handlers do. `--check` writes nothing and exits 1 when the guide is out of
// date (test/docs/test-mode.test.ts checks the same).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withSection, writeSection } from "./lib/guide-section.js";
import {
  JOB_SCRIPTS,
  MAX_DELAY_MS,
  MAX_TIMES,
  SIMULATED_PROBLEMS,
  SIMULATED_STATUSES,
  type JobScript,
} from "../client/contract/test-mode.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const GUIDE = join(ROOT, "docs", "frontend.md");
export const BEGIN = "<!-- test-mode:begin: written by `npm run docs:test-mode` from client/contract/test-mode.ts; do not edit -->";
export const END = "<!-- test-mode:end -->";

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** What a client following the job sees, in order. */
function life(script: JobScript): string {
  const start = script.start === "at-once" ? "`startAt` = `createdAt`" : "the usual `startAt`";
  const end = `\`${script.ends}\`${script.errors === null ? "" : `, \`errors\`: "${script.errors}"`}`;
  if (script.endedWhenAnswered) return `deleteUserData answers it \`scheduled\` (${start}); every later request sees it ${end}`;
  if (script.runMs === 0) return `\`scheduled\` (${start}), then ${end} as soon as the runner takes it`;
  return `\`scheduled\` until ${start}, \`running\` for ${duration(script.runMs)}, then ${end}`;
}

/** The Markdown block: the scripted userIds, then the Prefer values. */
export function testModeMarkdown(): string {
  const lines = [
    "| userId | For | What a client following the job sees |",
    "|---|---|---|",
    ...JOB_SCRIPTS.map((script) => `| \`${script.userId}\` | ${script.purpose} | ${life(script)} |`),
    "",
    "Any other userId is an ordinary user. A cancel answers 200 while the job is `scheduled` or `running`,",
    "and 501 once it has ended; a job still pending is answered again by deleteUserData, as for any user.",
    "",
    "| `Prefer` | Answer |",
    "|---|---|",
    ...SIMULATED_STATUSES.map((status) => {
      const { kind, detail, headers } = SIMULATED_PROBLEMS[status];
      const sent = Object.entries(headers).map(([name, value]) => `\`${name}: ${value}\``);
      return `| \`code=${status}\` | ${[`${status}`, `\`urn:problem:jobs-api:${kind}\` "${detail}"`, ...sent].join(", ")} |`;
    }),
    `| \`code=...\` with \`times=N\` | that answer to the first N attempts (at most ${MAX_TIMES}) of the same request, then the operation's own answer. The same request: the same \`X-Request-Id\` (a retrying client sends it again), or without one, the same method, path and query |`,
    `| \`delay=<ms>\` | the answer (simulated or not) that many milliseconds later, at most ${MAX_DELAY_MS} |`,
    "",
    "Preferences combine (`Prefer: code=503, times=2, delay=500`). The key and the parameters are checked",
    "first: a request without a key still answers 401, an invalid one 400. Other `code` values are left to the",
    "Prism mock. Problem bodies are the server's own, with `errors: [detail]` and the `X-Request-Id` as `requestId`.",
  ];
  return lines.join("\n") + "\n";
}

/** The guide with its test-mode section replaced by `block`. */
export function withTestMode(markdown: string, block: string): string {
  return withSection(markdown, BEGIN, END, block);
}

function main(args: string[]): number {
  return writeSection(
    { file: GUIDE, begin: BEGIN, end: END, block: testModeMarkdown(), what: "test-mode table", command: "npm run docs:test-mode" },
    args,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
