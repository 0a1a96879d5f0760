// The README stays a front page: at most 250 lines, with what this is, the set-up, one quick start
// per user and the API in one table; everything else lives in a guide under docs/, and the README
// links every guide so that none is orphaned.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/redocly.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README.md", () => {
  it("is at most 250 lines (move anything longer into a guide under docs/)", () => {
    expect(readme.split("\n").length - (readme.endsWith("\n") ? 1 : 0)).toBeLessThanOrEqual(250);
  });

  it("links every guide of docs/", () => {
    const guides = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
    expect(guides.filter((guide) => !readme.includes(`](docs/${guide}`))).toEqual([]);
  });

  it("keeps the two set-up commands and a quick start for each of the four users, in that order", () => {
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("bash .ci/run");
    const starts = ["### Read the reference", "### Build a frontend", "### Call it from another language", "### Run the server"];
    const at = starts.map((heading) => readme.indexOf(`\n${heading}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});
