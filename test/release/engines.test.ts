// `npm ci` warns EBADENGINE for every installed package whose `engines.node` excludes the Node
// running it; the project supports Node 20 (README, package.json engines), so on Node 20 there
// must be none, development tools included (fastify, a bench dependency, once brought cookie@2,
// which needs Node 22). The lockfile records each package's engines: this is npm's own check
// (npm-install-checks: semver.satisfies with prereleases) over it, for the packages npm installs
// on this platform (optional packages for other systems or CPUs are skipped, as npm skips them).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
  optional?: boolean;
}

/** npm's rule for `os` and `cpu` lists: a "!name" excludes, any plain name must match. */
function allows(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const wanted = list.filter((entry) => !entry.startsWith("!"));
  return wanted.length === 0 || wanted.includes(value);
}

const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockedPackage> };

describe("the packages npm ci installs", () => {
  it(`all accept this Node (${process.versions.node}): npm ci prints no EBADENGINE`, () => {
    const refused = Object.entries(lock.packages)
      .filter(([path, pkg]) => path !== "" && allows(pkg.os, process.platform) && allows(pkg.cpu, process.arch))
      .filter(([, pkg]) => !Array.isArray(pkg.engines) && typeof pkg.engines?.node === "string")
      .filter(([, pkg]) => !semver.satisfies(process.versions.node, (pkg.engines as { node: string }).node, { includePrerelease: true }))
      .map(([path, pkg]) => `${path.replace(/^.*node_modules\//, "")}@${pkg.version}: node ${(pkg.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
  });

  it("the check sees a package that refuses this Node", () => {
    expect(semver.satisfies(process.versions.node, ">=99", { includePrerelease: true })).toBe(false);
    expect(allows(["darwin"], "linux")).toBe(false);
    expect(allows(["!win32"], "linux")).toBe(true);
  });
});
