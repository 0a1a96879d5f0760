// A section of a guide written by a script between two marker comments (docs/frontend.md's
// scenario and test-mode tables): replaced as a whole, or checked with --check.
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

/** `markdown` with what stands between `begin` and `end` replaced by `block`. */
export function withSection(markdown: string, begin: string, end: string, block: string): string {
  const from = markdown.indexOf(begin);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the guide has no "${begin}" ... "${end}" section`);
  return markdown.slice(0, from + begin.length) + "\n" + block + markdown.slice(to);
}

/**
 * Writes the section into `file` (or, with --check in `args`, says whether it is up to date);
 * `what` names it in the messages, `command` is the npm script that writes it. An exit code.
 */
export function writeSection(
  section: { file: string; begin: string; end: string; block: string; what: string; command: string },
  args: readonly string[],
): number {
  const name = relative(process.cwd(), section.file);
  const current = readFileSync(section.file, "utf8");
  const updated = withSection(current, section.begin, section.end, section.block);
  if (args.includes("--check")) {
    if (updated === current) return 0;
    console.error(`${name}'s ${section.what} is out of date: run \`${section.command}\` and commit the result`);
    return 1;
  }
  if (updated !== current) writeFileSync(section.file, updated);
  console.log(`${name}: ${section.what} ${updated === current ? "up to date" : "written"}`);
  return 0;
}
