// The extractor of the documentation's runnable examples (test/support/doc-examples.ts), on the
// Markdown shapes a guide or the README may use. client-package.test.ts runs what it extracts.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { documentationExamples, extractExamples, isTypeScript, withBaseUrl } from "../support/doc-examples.js";

describe("extractExamples", () => {
  it("takes the fenced block after each marker, blank lines allowed in between, and ignores unmarked blocks", () => {
    const markdown = [
      "# Guide",
      "```ts",
      "unmarked();",
      "```",
      "<!-- example: first -->",
      "",
      "```ts",
      'import { createJobsClient } from "openreplay-jobs-api";',
      "```",
      "<!--example:second-one-->",
      "~~~typescript title=x.ts",
      "const a = 1;",
      "~~~",
      "<!-- example: shell -->",
      "```sh",
      "npm run mock",
      "```",
    ].join("\n");
    const examples = extractExamples(markdown, "docs/guide.md");
    expect(examples.map((e) => [e.name, e.lang, e.line, e.code])).toEqual([
      ["first", "ts", 7, 'import { createJobsClient } from "openreplay-jobs-api";\n'],
      ["second-one", "typescript", 11, "const a = 1;\n"],
      ["shell", "sh", 15, "npm run mock\n"],
    ]);
    expect(examples.filter(isTypeScript).map((e) => e.name)).toEqual(["first", "second-one"]);
  });

  it("keeps inner fences of a longer fence, and removes the indentation of a block in a list", () => {
    const markdown = ["- a step:", "  <!-- example: listed -->", "  ````ts", "  const s = `", "  ```", "  `;", "  ````"].join("\n");
    expect(extractExamples(markdown, "README.md")).toEqual([
      { name: "listed", file: "README.md", line: 3, lang: "ts", code: "const s = `\n```\n`;\n" },
    ]);
  });

  it("takes the file to run from the last `npx tsx FILE` before the marker, forgotten after a block or a heading", () => {
    const markdown = [
      "Save it as `a.mts` and run `npx tsx a.mts`:",
      "<!-- example: one -->",
      "```ts",
      "1;",
      "```",
      "<!-- example: two -->",
      "```ts",
      "2;",
      "```",
      "Run `npx tsx b.mts`, or rather",
      "`npx tsx c.mts`:",
      "```ts",
      "unmarked();",
      "```",
      "<!-- example: three -->",
      "```ts",
      "3;",
      "```",
      "`npx tsx d.mts`",
      "## Heading",
      "<!-- example: four -->",
      "```ts",
      "4;",
      "```",
      "As a script (`npx tsx e.mts`):",
      "<!-- example: five -->",
      "```ts",
      "5;",
      "```",
    ].join("\n");
    expect(extractExamples(markdown, "README.md").map((e) => [e.name, e.runAs])).toEqual([
      ["one", "a.mts"],
      ["two", undefined],
      ["three", undefined],
      ["four", undefined],
      ["five", "e.mts"],
    ]);
  });

  it("refuses a marker without a code block, and a block that is never closed", () => {
    expect(() => extractExamples("<!-- example: lost -->\nsome text\n", "README.md")).toThrow(
      /README.md:1: .*lost.* not followed by a fenced code block/,
    );
    expect(() => extractExamples("<!-- example: open -->\n```ts\nx();\n", "README.md")).toThrow(/not closed/);
  });
});

describe("documentationExamples", () => {
  it("reads README.md and docs/*.md, and refuses a name used twice", () => {
    const root = mkdtempSync(join(tmpdir(), "doc-examples-"));
    try {
      mkdirSync(join(root, "docs"));
      writeFileSync(join(root, "README.md"), "<!-- example: a -->\n```ts\n1;\n```\n");
      writeFileSync(join(root, "docs", "frontend.md"), "<!-- example: b -->\n```ts\n2;\n```\n");
      writeFileSync(join(root, "docs", "notes.txt"), "<!-- example: ignored -->\n```ts\n3;\n```\n");
      expect(documentationExamples(root).map((e) => `${e.file} ${e.name}`)).toEqual(["README.md a", "docs/frontend.md b"]);
      writeFileSync(join(root, "docs", "server.md"), "<!-- example: a -->\n```ts\n4;\n```\n");
      expect(() => documentationExamples(root)).toThrow(/example "a" is in both README.md:2 and docs\/server.md:2/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("withBaseUrl", () => {
  it("points the mock's default address at another, and nothing else", () => {
    const code = 'createJobsClient({ baseUrl: "http://127.0.0.1:4010" }); fetch("http://127.0.0.1:4010/api"); "http://127.0.0.1:40100"';
    expect(withBaseUrl(code, "http://127.0.0.1:5555")).toBe(
      'createJobsClient({ baseUrl: "http://127.0.0.1:5555" }); fetch("http://127.0.0.1:5555/api"); "http://127.0.0.1:40100"',
    );
  });
});
