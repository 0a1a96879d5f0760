// The runnable examples of the documentation: every fenced code block that the line
// `<!-- example: NAME -->` introduces (blank lines may come between), in README.md and docs/*.md.
// The text before the marker says how to run it, as `npx tsx FILE` (the last such command since
// the previous code block or heading): test/release/client-package.test.ts writes the example to
// that file and runs it, from the checkout and from the installed package in a project made by
// `npm init -y`. Examples talk to the mock at its default address, http://127.0.0.1:4010
// (`npm run mock`), or to the sandbox at http://127.0.0.1:3000 (`npm run sandbox`);
// withBaseUrl() and withSandboxUrl() point them at the mock or the sandbox a test started.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

export interface DocExample {
  /** The NAME of `<!-- example: NAME -->`; unique across the documents. */
  name: string;
  /** The document, relative to the repository (README.md, docs/frontend.md). */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string's first word: ts, typescript, sh, ... */
  lang: string;
  code: string;
  /** FILE of the last `npx tsx FILE` in the text before the marker (since the previous block or heading). */
  runAs?: string;
}

const MARKER = /^<!--\s*example:\s*([A-Za-z0-9][\w.-]*)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/;
const RUN = /`npx tsx ([\w./-]+\.[cm]?ts)`/g;
const HEADING = /^#{1,6}\s/;

/** The documents that may hold examples: README.md and every docs/*.md. */
export function documentationFiles(root: string): string[] {
  const docs = join(root, "docs");
  const files = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => join(docs, f))
    : [];
  return [join(root, "README.md"), ...files].filter((f) => existsSync(f));
}

/** CommonMark: a block closes at a line of the same fence character, at least as long. */
function closing(fence: string): (line: string) => boolean {
  const pattern = new RegExp(`^\\s*\\${fence[0]}{${fence.length},}\\s*$`);
  return (line) => pattern.test(line);
}

/** Every marked block of one Markdown text. Throws on a marker not followed by a fenced block. */
export function extractExamples(markdown: string, file: string): DocExample[] {
  const lines = markdown.split(/\r?\n/);
  const examples: DocExample[] = [];
  let runAs: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]!.trim());
    if (!marker) {
      if (HEADING.test(lines[i]!)) runAs = undefined;
      for (const run of lines[i]!.matchAll(RUN)) runAs = run[1];
      const unmarked = FENCE.exec(lines[i]!);
      if (unmarked) {
        // An unmarked block: skip it, and forget a command said before it.
        const closes = closing(unmarked[2]!);
        for (i++; i < lines.length && !closes(lines[i]!); i++);
        runAs = undefined;
      }
      continue;
    }
    let start = i + 1;
    while (start < lines.length && lines[start]!.trim() === "") start++;
    const open = FENCE.exec(lines[start] ?? "");
    if (!open) throw new Error(`${file}:${i + 1}: <!-- example: ${marker[1]} --> is not followed by a fenced code block`);
    const indent = open[1]!;
    const closes = closing(open[2]!);
    const body: string[] = [];
    let end = start + 1;
    for (; end < lines.length && !closes(lines[end]!); end++) {
      const line = lines[end]!;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (end >= lines.length) throw new Error(`${file}:${start + 1}: the code block of example ${marker[1]} is not closed`);
    examples.push({
      name: marker[1]!,
      file,
      line: start + 1,
      lang: open[3]!.toLowerCase(),
      code: body.join("\n") + "\n",
      ...(runAs !== undefined && { runAs }),
    });
    runAs = undefined;
    i = end;
  }
  return examples;
}

/** The examples of README.md and docs/*.md, in that order; names must be unique. */
export function documentationExamples(root: string): DocExample[] {
  const examples = documentationFiles(root).flatMap((path) => extractExamples(readFileSync(path, "utf8"), relative(root, path)));
  const seen = new Map<string, DocExample>();
  for (const example of examples) {
    const other = seen.get(example.name);
    if (other) throw new Error(`example "${example.name}" is in both ${other.file}:${other.line} and ${example.file}:${example.line}`);
    seen.set(example.name, example);
  }
  return examples;
}

export function isTypeScript(example: DocExample): boolean {
  return ["ts", "typescript", "mts"].includes(example.lang);
}

const MOCK_URL = /http:\/\/(?:127\.0\.0\.1|localhost):4010(?=[/"'`])/g;
const SANDBOX_URL = /http:\/\/(?:127\.0\.0\.1|localhost):3000(?=[/"'`])/g;

/** The example's code, calling `url` where it says the mock's default address. */
export function withBaseUrl(code: string, url: string): string {
  return code.replaceAll(MOCK_URL, url);
}

/** Whether the example calls the sandbox (a real server whose jobs run) rather than the mock. */
export function callsSandbox(example: DocExample): boolean {
  return new RegExp(SANDBOX_URL.source).test(example.code);
}

/** The example's code, calling `url` where it says the sandbox's default address. */
export function withSandboxUrl(code: string, url: string): string {
  return code.replaceAll(SANDBOX_URL, url);
}
