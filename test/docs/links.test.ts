// The Markdown documentation (README.md and docs/*.md) points only at things that exist: every
// relative link names a file or folder of the repository, every #anchor a heading (GitHub's
// slugs) or an explicit anchor of its target, and every `npm run X` (or `npm start`, `npm test`)
// a script of package.json. The files are found when the test runs, so new guides are covered.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DOCS = join(ROOT, "docs");
const FILES = [
  join(ROOT, "README.md"),
  ...(existsSync(DOCS)
    ? readdirSync(DOCS)
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(DOCS, f))
    : []),
].filter((f) => existsSync(f));
const SCRIPTS: Record<string, string> = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;

/** The text without fenced code blocks (their contents are code, not links). */
function withoutFences(markdown: string): string {
  return markdown.replace(/^([ \t]*)(```|~~~)[^\n]*\n[\s\S]*?^\1\2[^\n]*$/gm, "");
}

/** Link targets: inline [text](target "title"), <a href="target">, and [label]: target definitions. */
export function linkTargets(markdown: string): string[] {
  const text = withoutFences(markdown).replace(/`[^`\n]*`/g, "");
  const targets: string[] = [];
  for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of text.matchAll(/<a\s[^>]*href="([^"]+)"/gi)) targets.push(m[1]!);
  for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(m[1]!);
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const plain = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/[`*~]/g, "") // code and emphasis marks (not _: GitHub keeps it)
    .trim()
    .toLowerCase();
  return plain.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every anchor of a Markdown file: its headings' slugs (repeats get -1, -2, ...) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(m[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const m of markdown.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/gi)) anchors.add(m[1]!);
  return anchors;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

/** What is wrong with one link of `file`, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
  const hash = target.indexOf("#");
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  const resolved = path === "" ? file : resolve(dirname(file), path.split("?")[0]!);
  if (relative(ROOT, resolved).startsWith("..")) return `${target} leaves the repository`;
  if (!existsSync(resolved)) return `${target}: ${relative(ROOT, resolved)} does not exist`;
  if (anchor === undefined || anchor === "") return undefined;
  if (!resolved.endsWith(".md") || statSync(resolved).isDirectory()) return undefined; // e.g. #L10 of a source file
  const anchors = anchorsOf(readFileSync(resolved, "utf8"));
  return anchors.has(anchor) ? undefined : `${target}: no heading or anchor "#${anchor}" in ${relative(ROOT, resolved)}`;
}

/** The npm scripts a text tells its reader to run. */
export function npmScripts(markdown: string): string[] {
  const names = new Set<string>();
  // Options may come between `run` and the name: `npm run --silent docs`.
  for (const m of markdown.matchAll(/\bnpm run(?:-script)?(?:\s+--?[\w-]+(?:=\S+)?)*\s+([\w:-]+)/g)) names.add(m[1]!);
  for (const m of markdown.matchAll(/\bnpm (start|test)\b/g)) names.add(m[1]!);
  return [...names];
}

describe("the slugs of headings, as GitHub makes them", () => {
  it.each([
    ["How the Jobs API behaves", "how-the-jobs-api-behaves"],
    ["Cancelling a job, and why 501", "cancelling-a-job-and-why-501"],
    ["Deleting a user's data is idempotent", "deleting-a-users-data-is-idempotent"],
    ["`npm run docs`: the reference", "npm-run-docs-the-reference"],
    ["Keys — and [projects](x.md)", "keys--and-projects"],
    ["snake_case and CamelCase", "snake_case-and-camelcase"],
  ])("%s -> #%s", (heading, expected) => {
    expect(slug(heading)).toBe(expected);
  });

  it("numbers repeated headings and keeps explicit anchors", () => {
    const anchors = anchorsOf('# A\n## Setup\n```\n# not a heading\n```\n## Setup\n<a id="here"></a>\n');
    expect([...anchors].sort()).toEqual(["a", "here", "setup", "setup-1"]);
  });
});

describe.each(FILES.map((f) => [relative(ROOT, f), f]))("%s", (_name, file) => {
  const markdown = readFileSync(file, "utf8");

  it("links only to files, folders and anchors that exist in the repository", () => {
    const broken = linkTargets(markdown)
      .filter((target) => !isExternal(target))
      .map((target) => brokenLink(file, target))
      .filter((problem) => problem !== undefined);
    expect(broken).toEqual([]);
  });

  it("mentions only npm scripts that package.json defines", () => {
    expect(npmScripts(markdown).filter((name) => !(name in SCRIPTS))).toEqual([]);
  });
});
