// The packages are not on the npm registry yet, so the documentation installs them from the
// tarballs `npm run release` writes (test/release/client-package.test.ts runs it and installs
// them): every tarball it names is this version's, and every install from the registry is marked
// as what works after publication (an unmarked `npm install openreplay-jobs-api` answers 404).
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { documentationFiles } from "../support/doc-examples.js";
import { ROOT } from "../support/redocly.js";

const PACKAGES = ["package.json", "server/package.json"].map(
  (manifest) => JSON.parse(readFileSync(join(ROOT, manifest), "utf8")) as { name: string; version: string },
);
const DOCUMENTS = [...documentationFiles(ROOT), join(ROOT, "server", "README.md")].map((path) => ({
  file: relative(ROOT, path),
  lines: readFileSync(path, "utf8").split("\n"),
}));
const NAME = PACKAGES.map((p) => p.name.replaceAll("-", "\\-")).join("|");

/** "file:line: text" of each line matching `pattern`. */
function linesMatching(pattern: RegExp): Array<{ where: string; line: string; index: number; lines: string[] }> {
  return DOCUMENTS.flatMap(({ file, lines }) =>
    lines.flatMap((line, index) => (pattern.test(line) ? [{ where: `${file}:${index + 1}`, line, index, lines }] : [])),
  );
}

describe("the documented install lines", () => {
  it("name the tarballs of this version, as npm run release names them", () => {
    const tarballs = linesMatching(new RegExp(`(${NAME})-\\d[^\\s\`]*\\.tgz`));
    expect(tarballs.length).toBeGreaterThan(5);
    const expected = new Set(PACKAGES.map((p) => `${p.name}-${p.version}.tgz`));
    const stale = tarballs.flatMap(({ where, line }) =>
      [...line.matchAll(new RegExp(`(?:${NAME})-\\d[^\\s\`/]*\\.tgz`, "g"))]
        .filter((m) => !expected.has(m[0]))
        .map((m) => `${where}: ${m[0]}`),
    );
    expect(stale).toEqual([]);
  });

  it("mark every install from the npm registry as what works after publication", () => {
    // `npm install [-D] NAME` where NAME is a package's name itself, not a tarball's path.
    const fromRegistry = linesMatching(new RegExp(`npm (install|i)( -D| --save-dev)? (${NAME})(?![\\w.-])`));
    expect(fromRegistry.length).toBeGreaterThan(0);
    const unmarked = fromRegistry.filter(
      ({ lines, index }) => !/after publication/i.test(lines.slice(Math.max(0, index - 2), index + 1).join("\n")),
    );
    expect(unmarked.map(({ where, line }) => `${where}: ${line.trim()}`)).toEqual([]);
  });

  it("say where the tarballs come from wherever they are installed", () => {
    const files = new Set(linesMatching(new RegExp(`npm install .*\\./(${NAME})-\\d`)).map(({ where }) => where.split(":")[0]!));
    for (const file of files) {
      const text = DOCUMENTS.find((d) => d.file === file)!.lines.join("\n");
      expect(text, file).toContain("npm run release");
    }
  });
});
