// The test-mode table (client/contract/test-mode.ts) as the docs show it: docs/frontend.md's
// section is what `npm run docs:test-mode` writes from the table, and the reference page's
// introduction carries the same block (scripts/lib/reference-intro.mjs; its rendering is checked
// in Chromium by test/browser/docs.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { JOB_SCRIPTS, SIMULATED_PROBLEMS, SIMULATED_STATUSES } from "../../client/contract/test-mode.js";
import { BEGIN, END, GUIDE, testModeMarkdown, withTestMode } from "../../scripts/docs-test-mode.js";
import { referenceDescription, testModeBlock } from "../../scripts/lib/reference-intro.mjs";

const guide = readFileSync(GUIDE, "utf8");

describe("the test-mode table in the docs", () => {
  it("docs/frontend.md's section is what npm run docs:test-mode writes from the table (run it and commit when this fails)", () => {
    expect(guide).toContain(BEGIN);
    expect(guide).toContain(END);
    expect(withTestMode(guide, testModeMarkdown())).toBe(guide);
  });

  it("names every scripted userId with its statuses and errors, and every simulated answer with its words and headers", () => {
    const block = testModeBlock(guide);
    for (const script of JOB_SCRIPTS) {
      const row = block.split("\n").find((line) => line.startsWith(`| \`${script.userId}\` |`));
      expect(row, script.userId).toBeDefined();
      expect(row).toContain(`\`${script.ends}\``);
      if (script.errors !== null) expect(row).toContain(script.errors);
    }
    for (const status of SIMULATED_STATUSES) {
      const row = block.split("\n").find((line) => line.startsWith(`| \`code=${status}\` |`));
      expect(row, String(status)).toContain(SIMULATED_PROBLEMS[status].detail);
      for (const [name, value] of Object.entries(SIMULATED_PROBLEMS[status].headers)) expect(row).toContain(`${name}: ${value}`);
    }
  });

  it("a section that differs from the table is caught", () => {
    const changed = withTestMode(guide, testModeMarkdown().replace("fail@test.example", "broken@test.example"));
    expect(changed).not.toBe(guide);
  });

  it("the reference page's introduction is the spec's description, then the same block", () => {
    const description = referenceDescription("The Jobs API.\n", guide);
    expect(description.startsWith("The Jobs API.\n\n**Test mode.**")).toBe(true);
    expect(description.endsWith(testModeMarkdown().trim())).toBe(true);
  });
});
