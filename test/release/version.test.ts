// The release artifact: one version everywhere, a changelog entry for it, a snapshot per release.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const read = (file: string) => readFileSync(join(root, file), "utf8");
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const packageVersion = (JSON.parse(read("package.json")) as { version: string }).version;
const bundledVersion = (JSON.parse(read("generated/openapi.json")) as { info: { version: string } }).info.version;
/** info.version of openapi.yaml: the `version:` line inside the top-level `info:` block. */
const yamlVersion = /^info:\n(?:[ \t]+.*\n|\n)*?[ \t]+version:[ \t]*['"]?([^'"\s]+)['"]?[ \t]*$/m.exec(read("openapi.yaml"))?.[1];
/** `## [1.2.3] - 2026-01-31` headings of CHANGELOG.md, newest first. */
const released = [...read("CHANGELOG.md").matchAll(/^## \[(\d[^\]]*)\](?: - (\d{4}-\d{2}-\d{2}))?/gm)].map((m) => ({
  version: m[1]!,
  date: m[2],
}));

describe("the package version", () => {
  it("is a semantic version", () => {
    expect(packageVersion).toMatch(semver);
  });

  it("is openapi.yaml's info.version", () => {
    expect(yamlVersion).toBe(packageVersion);
  });

  it("is generated/openapi.json's info.version", () => {
    expect(bundledVersion).toBe(packageVersion);
  });

  it("has a dated entry in CHANGELOG.md", () => {
    const entry = released.find((r) => r.version === packageVersion);
    expect(entry, `CHANGELOG.md has no "## [${packageVersion}] - YYYY-MM-DD" heading`).toBeDefined();
    expect(entry?.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("is the server package's version (server/package.json): both packages are released together", () => {
    expect((JSON.parse(read("server/package.json")) as { version: string }).version).toBe(packageVersion);
  });

  it("is the newest release in CHANGELOG.md", () => {
    expect(released[0]?.version).toBe(packageVersion);
  });
});

describe("the release snapshots", () => {
  const snapshots = readdirSync(join(root, "releases")).filter((name) => semver.test(name));

  it("exist for every release in CHANGELOG.md", () => {
    for (const { version } of released) {
      expect(existsSync(join(root, "releases", version, "openapi.json")), `releases/${version}/openapi.json`).toBe(true);
    }
  });

  it("are all listed in CHANGELOG.md and carry their own version", () => {
    for (const version of snapshots) {
      expect(released.map((r) => r.version)).toContain(version);
      const spec = JSON.parse(read(join("releases", version, "openapi.json"))) as { info: { version: string } };
      expect(spec.info.version).toBe(version);
    }
  });
});
