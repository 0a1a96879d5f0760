// Pinned external tools for clients, smoke tests and the breaking-change gate, fetched on first
// use into the git-ignored .cache/ and reused afterwards. Java, Maven and Go must be installed;
// everything else comes from Maven Central or the Go module proxy at the versions below.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CACHE = join(ROOT, ".cache");

export const VERSIONS = {
  /** org.openapitools:openapi-generator-cli on Maven Central (newest 7.x served). */
  openapiGenerator: "7.25.0",
  /** The Maven plugin that copies the jar out of the local repository. */
  mavenDependencyPlugin: "3.11.0",
  /** github.com/oapi-codegen/oapi-codegen/v2, run with `go run`. */
  oapiCodegen: "v2.8.2",
  /** github.com/oapi-codegen/runtime, the one dependency of the generated Go client. */
  oapiRuntime: "v1.9.0",
  /** github.com/oasdiff/oasdiff, installed with `go install` into .cache/. */
  oasdiff: "v1.37.0",
};

/** SHA-256 of openapi-generator-cli-7.25.0.jar as served by Maven Central. */
const GENERATOR_JAR_SHA256 = "41ce4f6b07f196676439d710759fa1ced7a08066d06ff1bf314681470289efae";

/** Runs a command; throws with the command line (and its captured output) when it fails. */
export function run(cmd, args, { cwd = ROOT, env = {}, quiet = false, input } = {}) {
  const res = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: quiet ? ["pipe", "pipe", "pipe"] : ["pipe", "inherit", "inherit"],
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) {
    const hint = res.error.code === "ENOENT" ? ` (is ${cmd} installed and on PATH?)` : "";
    throw new Error(`${cmd} could not be started${hint}: ${res.error.message}`);
  }
  if (res.status !== 0) {
    const output = quiet ? `\n${res.stdout ?? ""}${res.stderr ?? ""}` : "";
    throw new Error(`${cmd} ${args.join(" ")} exited with ${res.status ?? res.signal}${output}`);
  }
  return res.stdout ?? "";
}

function sha256(file) {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function seconds(start) {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/** The openapi-generator-cli jar; downloaded with Maven (checksum-verified) when missing. */
export function ensureGeneratorJar() {
  const version = VERSIONS.openapiGenerator;
  const dir = join(CACHE, "openapi-generator");
  const jar = join(dir, `openapi-generator-cli-${version}.jar`);
  if (existsSync(jar) && sha256(jar) === GENERATOR_JAR_SHA256) return jar;
  rmSync(jar, { force: true });
  mkdirSync(dir, { recursive: true });
  const start = performance.now();
  console.log(`Fetching openapi-generator-cli ${version} from Maven Central...`);
  run(
    "mvn",
    [
      "-q",
      "-B",
      `org.apache.maven.plugins:maven-dependency-plugin:${VERSIONS.mavenDependencyPlugin}:copy`,
      `-Dartifact=org.openapitools:openapi-generator-cli:${version}`,
      `-DoutputDirectory=${dir}`,
    ],
    { cwd: dir, quiet: true },
  );
  const actual = existsSync(jar) ? sha256(jar) : "(no file)";
  if (actual !== GENERATOR_JAR_SHA256) {
    rmSync(jar, { force: true });
    throw new Error(`openapi-generator-cli-${version}.jar has SHA-256 ${actual}, expected ${GENERATOR_JAR_SHA256}`);
  }
  console.log(`openapi-generator-cli ${version} ready in ${seconds(start)} s (${jar})`);
  return jar;
}

/** The oasdiff binary, built once with `go install` into .cache/oasdiff/<version>/. */
export function ensureOasdiff() {
  const version = VERSIONS.oasdiff;
  const dir = join(CACHE, "oasdiff", version);
  const bin = join(dir, "oasdiff");
  if (existsSync(bin)) return bin;
  const tmp = join(CACHE, "oasdiff", `${version}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const start = performance.now();
  console.error(`Installing oasdiff ${version} from the Go module proxy...`);
  run("go", ["install", `github.com/oasdiff/oasdiff@${version}`], {
    env: { GOBIN: tmp, GOFLAGS: "-buildvcs=false" },
    quiet: true,
  });
  // Install into a private directory and rename, so parallel callers never see half a binary.
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(bin)) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  console.error(`oasdiff ${version} ready in ${seconds(start)} s (${bin})`);
  return bin;
}

/** info.version of an OpenAPI document (JSON). */
export function specVersion(file) {
  const spec = JSON.parse(readFileSync(file, "utf8"));
  const version = spec?.info?.version;
  if (typeof version !== "string") throw new Error(`${file} has no info.version`);
  return version;
}

/** Parses "1.2.3" (an optional "v", pre-release and build are ignored for ordering). */
export function parseSemver(version) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(version);
  if (!m) throw new Error(`"${version}" is not a semantic version (MAJOR.MINOR.PATCH)`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function compareSemver(a, b) {
  const x = parseSemver(a);
  const y = parseSemver(b);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/**
 * Runs a script's main() (sync or async) and exits with the code it answers (0 when none); an
 * error is printed as "name: message" and exits 1.
 */
export async function runMain(name, main) {
  try {
    process.exit((await main()) ?? 0);
  } catch (err) {
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

/** `--lang a,b` → the languages asked for (all of `known` when none); an unknown one is an error. */
export function languagesFrom(option, known) {
  const langs = (option ?? known.join(","))
    .split(",")
    .map((l) => l.trim())
    .filter(Boolean);
  for (const lang of langs) {
    if (!known.includes(lang)) throw new Error(`--lang: unknown language "${lang}" (${known.join(", ")})`);
  }
  return langs;
}
