// docs/conformance.md documents every check and every option of the command: its table of checks
// is the one checksMarkdownTable() makes from CHECKS, and its options table names every option
// cli.ts parses.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CHECKS, checksMarkdownTable } from "../../client/conformance/index.js";
import { ROOT } from "../support/cli.js";

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
