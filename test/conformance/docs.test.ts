// docs/conformance.md documents every check and every option of the command: its table of checks
// is the one checksMarkdownTable() makes from CHECKS, and its options table names every option
// cli.ts parses. Every conformance command the documentation shows keeps the key out of its
// command line, and the checkout's `npm run conformance -- ...`, run as written, prints no key
// (npm prints the command line it runs).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { CHECKS, checksMarkdownTable } from "../../client/conformance/index.js";
import { seedDemo } from "../../server/cli/demo.js";
import { ROOT } from "../support/cli.js";
import { databases } from "../support/databases.js";
import { documentationFiles } from "../support/doc-examples.js";
import { startTestServer } from "../support/server.js";

const guide = readFileSync(`${ROOT}/docs/conformance.md`, "utf8");

describe("the conformance guide", () => {
  it("has the table of checks as the check list makes it (regenerate: npm run conformance -- --list)", () => {
    const table = /<!-- checks:begin[^>]*-->\n([\s\S]*?)<!-- checks:end -->/.exec(guide)?.[1];
    expect(table).toBe(checksMarkdownTable());
    for (const check of CHECKS) expect(guide).toContain(`| \`${check.id}\` |`);
  });

  it("documents every option of the command", () => {
    const cli = readFileSync(`${ROOT}/client/conformance/cli.ts`, "utf8");
    const block = /const OPTIONS = \{([\s\S]*?)\n\} as const;/.exec(cli)?.[1] ?? "";
    const options = [...block.matchAll(/^\s+"?([a-z-]+)"?: \{ type:/gm)].map((m) => m[1]!);
    expect(options.length).toBeGreaterThan(10);
    for (const option of options) expect(guide).toMatch(new RegExp(`^\\| (\`-h\`, )?\`--${option}[\` ]`, "m"));
  });
});

/** Every conformance command the README and the guides show (sh blocks and inline code), one line each. */
function documentedConformanceCommands(): Array<{ file: string; line: string }> {
  return documentationFiles(ROOT).flatMap((path) => {
    const text = readFileSync(path, "utf8").replaceAll(/\\\n\s*/g, ""); // continued lines joined
    const file = relative(ROOT, path);
    return text
      .split("\n")
      .flatMap((line) => [...line.matchAll(/`([^`]*conformance[^`]*)`/g)].map((m) => m[1]!).concat(line))
      .filter((line) => /(npm run conformance --|openreplay-jobs-api conformance) .*--base-url/.test(line))
      .map((line) => ({ file, line: line.trim() }));
  });
}

describe("the documented conformance commands", () => {
  const commands = documentedConformanceCommands();

  it("are found in the README and the guides", () => {
    expect(commands.map((c) => c.file)).toEqual(expect.arrayContaining(["README.md", "docs/conformance.md"]));
    expect(commands.some((c) => c.line.startsWith("npm run conformance --"))).toBe(true);
  });

  it("take the keys from the environment, never from the command line", () => {
    expect(commands.filter((c) => /--(other-)?api-key\b/.test(c.line))).toEqual([]);
  });

  it("print no key: the checkout's npm run conformance, run as documented against a server with the demo data", async () => {
    const database = databases[0]!;
    const server = await startTestServer(await database.url(), { runner: false });
    try {
      const demo = (await seedDemo(server.store, { now: Date.now(), startDelay: { kind: "midnight" } }))!;
      for (const { line } of commands.filter((c) => c.line.startsWith("npm run conformance --"))) {
        const command = line.replace(/--base-url \S+/, `--base-url ${server.url}`);
        const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
          const child = spawn("sh", ["-c", command], { cwd: ROOT, env: { ...process.env, CONFORMANCE_API_KEY: demo.apiKey } });
          let output = "";
          child.stdout.on("data", (chunk) => (output += chunk));
          child.stderr.on("data", (chunk) => (output += chunk));
          child.on("close", (code) => resolve({ code, output }));
        });
        expect(run.output, command).toMatch(/Jobs API conformance of /);
        expect([0, 1], run.output).toContain(run.code);
        expect(run.output).not.toContain(demo.apiKey);
      }
    } finally {
      await server.close();
    }
  }, 240_000);
});
