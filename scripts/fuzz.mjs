#!/usr/bin/env node
// Property-based fuzzing of the real server with schemathesis (npm run test:fuzz).
//
// 1. Installs the pinned schemathesis (test/fuzz/requirements.txt) into .venv-fuzz/ when it is
//    missing or at another version (python3 -m venv + pip; PyPI only). Idempotent.
// 2. Creates a fresh SQLite database in a temp folder and fills it with `jobs-api demo --json`
//    (an organization, its API key, the demo project with sessions and a job in every status).
// 3. Starts `jobs-api serve` on it (a free port, response validation on, no rate limit, jobs due
//    at once and a short poll, so the runner works while the fuzzer calls).
// 4. Runs `schemathesis run openapi.yaml` with every check (`--checks all`: server errors, status
//    codes, content types, headers and bodies against the spec, negative data rejection,
//    ignored auth, ...; only use_after_free is left out, see below), every phase (examples, coverage, fuzzing, and the
//    stateful phase, which follows the spec's `links`: deleteUserData -> getJob / cancelJob,
//    getJob -> cancelJob), enough examples for at least MIN_CASES generated cases.
// 5. Fails unless schemathesis reports zero failures and errors, at least MIN_CASES cases, the
//    server logged no 5xx and is still alive; prints the case count.
//
// Options: --install (only step 1), --keep (keep the temp folder: database, server log, reports).
// Environment: FUZZ_MAX_EXAMPLES (per operation and phase, default 500), FUZZ_SEED (replay a run),
// FUZZ_WORKERS (default 2).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { core } from "./lib/contract.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VENV = join(ROOT, ".venv-fuzz");
const REQUIREMENTS = join(ROOT, "test", "fuzz", "requirements.txt");
const SCHEMATHESIS = join(VENV, "bin", "schemathesis");
const CLI = join(ROOT, "server", "cli", "main.ts");
const MIN_CASES = 1000;
const { contract, kindForStatus } = core;

/**
 * Each operation's documented 5xx answers, from the operation table: e.g. cancelJob's 501 for a job
 * that has ended (the original API's answer). A 500 (internal) or 503 (the database unavailable,
 * which it never is here) is a failure of the run, whatever the spec declares.
 */
const SERVER_FAILURES = ["internal", "unavailable"];
const documented5xx = new Map(
  contract.operations.map((operation) => [
    operation.operationId,
    operation.responses
      .map((response) => Number(response.status))
      .filter((status) => status >= 500 && status <= 599 && !SERVER_FAILURES.includes(kindForStatus(status))),
  ]),
);
const DOCUMENTED_5XX = new Set([...documented5xx.values()].flat());
/** The spec's links, which the stateful phase must follow (deleteUserData -> getJob, ...). */
const LINKS = contract.operations.flatMap((o) => o.responses.flatMap((r) => Object.keys(r.links))).length;

const { values: args } = parseArgs({ options: { install: { type: "boolean" }, keep: { type: "boolean" } } });
const maxExamples = Number(process.env.FUZZ_MAX_EXAMPLES ?? 500);
const workers = process.env.FUZZ_WORKERS ?? "2";

function fail(message) {
  console.error(`\nfuzz: FAILED: ${message}`);
  process.exitCode = 1;
}

function pinnedVersion() {
  const line = readFileSync(REQUIREMENTS, "utf8")
    .split("\n")
    .find((l) => l.startsWith("schemathesis=="));
  if (!line) throw new Error(`${REQUIREMENTS} does not pin schemathesis`);
  return line.split("==")[1].trim();
}

function ensureSchemathesis() {
  const want = pinnedVersion();
  const have = existsSync(SCHEMATHESIS)
    ? spawnSync(SCHEMATHESIS, ["--version"], { encoding: "utf8" }).stdout?.trim().split(" ").pop()
    : undefined;
  if (have === want) return;
  console.log(`fuzz: installing schemathesis ${want} into .venv-fuzz/ (was: ${have ?? "not installed"})`);
  const step = (cmd, cmdArgs) => {
    const result = spawnSync(cmd, cmdArgs, { stdio: "inherit" });
    if (result.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(" ")} failed (${result.status ?? result.error})`);
  };
  if (!existsSync(join(VENV, "bin", "python"))) step("python3", ["-m", "venv", VENV]);
  step(join(VENV, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS]);
}

/** Runs `jobs-api ARGS` to its end; answers its standard output. */
function jobsApi(cliArgs, env) {
  const result = spawnSync(process.execPath, ["--import", "tsx", CLI, ...cliArgs], { cwd: ROOT, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`jobs-api ${cliArgs.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** Starts `jobs-api serve`; resolves with its URL once it listens. */
function serve(env, logFile) {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log);
  let seen = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s:\n${seen}`)), 60_000);
    child.stderr.on("data", (chunk) => {
      log.write(chunk);
      seen += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening:\n${seen}`));
    });
  });
}

/** The schemathesis.toml of this run (written into the temp folder: it names this run's key). */
function config({ apiKey, projectKey, jobIds }) {
  const q = (s) => JSON.stringify(s);
  const documented = [...documented5xx]
    .filter(([, statuses]) => statuses.length > 0)
    .map(
      ([operationId, statuses]) =>
        `[[operations]]\ninclude-operation-id = ${q(operationId)}\n` +
        `checks.not_a_server_error.expected-statuses = ${q(["2xx", "3xx", "4xx", ...statuses.map(String)])}\n`,
    )
    .join("\n");
  return `# Written by scripts/fuzz.mjs for one run.
[auth.openapi.ApiKey]
api_key = ${q(apiKey)}

# Most generated calls use the demo project and jobs that exist (so they reach real data and
# the store); the rest get values schemathesis makes up (unknown projects and jobs: 404s).
[dictionaries.projectKeys]
values = [${q(projectKey)}]
[dictionaries.jobIds]
values = [${jobIds.join(", ")}]
[parameters]
"path.projectKey" = { dictionary = "projectKeys", probability = 0.85 }
"path.jobId" = { dictionary = "jobIds", probability = 0.6 }

# A documented 5xx answer of an operation (cancelJob's 501 for a job that has ended, as the
# original API answers) is not a server error; every other 5xx is one.
${documented}
`;
}

async function main() {
  ensureSchemathesis();
  if (args.install) return;

  const work = mkdtempSync(join(tmpdir(), "jobs-api-fuzz-"));
  const serverLog = join(work, "server.log");
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(work, "fuzz.db")}`,
    HOST: "127.0.0.1",
    PORT: "0",
    RATE_LIMIT: "0",
    RESPONSE_VALIDATION: "on",
    JOBS_START_DELAY: "0s",
    JOBS_POLL_INTERVAL: "100ms",
    JOBS_BATCH_SIZE: "20",
    LOG_LEVEL: "info",
    LOG_FORMAT: "json", // the log is read back below
    SHUTDOWN_DRAIN: "0s",
  };
  let server;
  try {
    const demo = JSON.parse(jobsApi(["demo", "--json"], env));
    // The demo's jobs are 1..5; the stateful phase creates more as it goes.
    const jobIds = [1, 2, 3, 4, 5, 6, 7, 8];
    server = await serve(env, serverLog);
    console.log(`fuzz: server ${server.url} on ${env.DATABASE_URL}, demo project ${demo.projectKey}`);
    writeFileSync(join(work, "schemathesis.toml"), config({ apiKey: demo.apiKey, projectKey: demo.projectKey, jobIds }));

    const stArgs = [
      "--config-file",
      join(work, "schemathesis.toml"),
      "run",
      join(ROOT, "openapi.yaml"),
      "--url",
      server.url,
      "--checks",
      "all",
      // use_after_free expects a GET after a successful DELETE of the same path to answer 404.
      // The only such pair here is cancelJob (DELETE /jobs/{jobId}) then getJob: a cancelled job
      // stays and getJob answers it, \`cancelled\`, as the original documentation says (the list
      // shows cancelled jobs). So that check is a false alarm for this API and is left out; the
      // getJob after a cancel still goes through every other check. (A per-operation switch in
      // schemathesis.toml does not work: --checks all overrides it.)
      "--exclude-checks",
      "use_after_free",
      "--phases",
      "examples,coverage,fuzzing,stateful",
      "--max-examples",
      String(maxExamples),
      "--workers",
      workers,
      "--request-timeout",
      "10",
      "--report",
      "junit,ndjson",
      "--report-dir",
      join(work, "report"),
      "--no-color",
      ...(process.env.FUZZ_SEED ? ["--seed", process.env.FUZZ_SEED] : []),
    ];
    console.log(`fuzz: schemathesis ${stArgs.join(" ")}\n`);
    const st = spawn(SCHEMATHESIS, stArgs, { cwd: work, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    st.stdout.on("data", (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    const code = await new Promise((resolve) => st.once("exit", (c) => resolve(c)));

    const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? NaN);
    const failures = /(\d+) found (\d+) unique failures?/.exec(output);
    const serverErrors = readFileSync(serverLog, "utf8")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.level >= 50 || ((entry.res?.statusCode ?? 0) >= 500 && !DOCUMENTED_5XX.has(entry.res?.statusCode)));
    const alive = server.child.exitCode === null;
    const links = /API Links:\s+(\d+) covered \/ (\d+) selected/.exec(output);

    console.log(
      `\nfuzz: ${Number.isNaN(generated) ? "?" : generated} cases generated, ` +
        `${failures ? failures[2] : 0} unique failures, schemathesis exit ${code}, ` +
        `${serverErrors.length} server errors logged, server ${alive ? "alive" : "DEAD"}, ` +
        `stateful links covered ${links ? `${links[1]}/${links[2]}` : "?"}`,
    );
    if (code !== 0) fail(`schemathesis exited with ${code}`);
    if (Number.isNaN(generated)) fail("schemathesis printed no case count");
    else if (generated < MIN_CASES) fail(`only ${generated} cases generated, fewer than ${MIN_CASES} (raise FUZZ_MAX_EXAMPLES)`);
    if (serverErrors.length > 0)
      fail(
        `the server logged errors:\n${serverErrors
          .slice(0, 5)
          .map((e) => JSON.stringify(e))
          .join("\n")}`,
      );
    if (!alive) fail("the server died during the run");
    if (!links || Number(links[1]) < LINKS) fail(`the stateful phase did not follow the spec's ${LINKS} links`);
    if (process.exitCode !== 1) console.log(`fuzz: ${generated} generated cases, 0 failures`);
  } finally {
    if (server && server.child.exitCode === null) {
      server.child.kill("SIGTERM");
      await new Promise((resolve) => server.child.once("exit", resolve));
    }
    if (args.keep || process.exitCode === 1) console.log(`fuzz: database, server log and reports kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  fail(error instanceof Error ? error.message : String(error));
});
