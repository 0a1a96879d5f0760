#!/usr/bin/env node
// `npm run test:samples`: runs every code sample of openapi.yaml (each operation's x-codeSamples:
// curl, TypeScript, Python, Go) as a user would paste it, against the Prism mock and against this
// checkout's server, and fails when a sample fails or prints something other than expected.
//
// The samples are written for https://openreplay.example.com with YOUR_ORGANIZATION_API_KEY,
// YOUR_PROJECT_KEY and job 3451. A run replaces exactly these placeholders: the host with the
// mock's or the server's URL, the keys with working ones, and, on the server, job 3451 with a job
// created for that run. Each sample prints one line per job it received, "<jobId> <status> ...",
// or "already finished: <detail>" when cancelJob answers 501; the curl samples print the answer's
// JSON. Which operations and samples run comes from the spec: the contract core's operation table
// (client/contract/) and each operation's x-codeSamples in generated/openapi.json. On the mock,
// every sample must print the jobs of its operation's first success example (what Prism answers);
// on the server it must exit 0 and print jobs or the problem, and EXPECTED below says more for the
// operations that have a specific expectation.
//
//   curl        sh, with the system curl
//   TypeScript  tsx; `openreplay-jobs-api` resolves to this checkout's client/index.ts through the
//               `paths` of a tsconfig that extends the project's; tsc type-checks them first
//   Python      .venv/ with the generated client (out/clients/python), as scripts/smoke-clients.mjs
//   Go          go build, in a module that replaces openreplay.example.com/jobsapi with the
//               generated client (out/clients/go); gofmt and go vet check them first
//
// The clients must have been generated (`npm run clients`; `npm run test:clients` does it in CI).
// Work files go to out/samples/ (git-ignored).
//
// Usage: node scripts/run-samples.mjs [--mock] [--local-server] [--lang curl,TypeScript,Python,Go]
//   with neither --mock nor --local-server, both.
//        node scripts/run-samples.mjs --list
//   prints what would run (each operation, its sample languages, its checks) as JSON, runs nothing.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MOCK_KEY, MOCK_PROJECT, preparePython, startLocalServer, startPrism } from "./lib/services.mjs";
import { core } from "./lib/contract.mjs";
import { parseArgs } from "node:util";
import { ROOT, run, languagesFrom } from "./lib/tools.mjs";

const LANGS = ["curl", "TypeScript", "Python", "Go"];
const PLACEHOLDERS = {
  host: "https://openreplay.example.com",
  key: "YOUR_ORGANIZATION_API_KEY",
  project: "YOUR_PROJECT_KEY",
  jobId: "3451",
};
const { contract, fillPath, JOB_STATUSES } = core;
const WORK = join(ROOT, "out", "samples");
const CLIENTS = join(ROOT, "out", "clients");
const GO_MODULE = "openreplay.example.com/jobsapi";
const SAMPLE_USER = "shekar@example.com";

/**
 * What an operation's samples must print on the server, beyond exiting 0 with jobs or a problem
 * (ctx.jobId: the job put in place of 3451; ctx.api(operationId, pathValues): a call of the API).
 * `prepare` runs before each of its samples; `again` is checked on a second run of the same program.
 * Each check returns an error message, or undefined when the output is right. An operation without
 * an entry runs with the generic checks only.
 */
const EXPECTED = {
  listJobs: {
    // A job created just before: the list must show it.
    prepare: async (ctx) => (ctx.listed = await ctx.freshJob()),
    server: ({ jobs }, ctx) =>
      jobs.some((j) => j.jobId === ctx.listed && j.status === "scheduled")
        ? ascending(jobs)
        : `job ${ctx.listed} (scheduled) is not in the list: ${show(jobs)}`,
  },
  getJob: {
    server: ({ jobs }, ctx) => expectJobs(jobs, [[ctx.jobId, "scheduled"]]),
  },
  cancelJob: {
    server: ({ jobs }, ctx) => expectJobs(jobs, [[ctx.jobId, "cancelled"]]),
    // The job is cancelled now: a second cancel is answered 501, which the samples handle.
    again: ({ jobs, problem }) =>
      problem?.status === 501 && jobs.length === 0 ? undefined : `expected the 501 answer, got ${show(jobs)} ${JSON.stringify(problem)}`,
  },
  deleteUserData: {
    // Idempotent: every run answers the one pending deletion job of the user.
    server: async ({ jobs }, ctx) => {
      if (jobs.length !== 1 || jobs[0].status !== "scheduled") return `expected one scheduled job, got ${show(jobs)}`;
      const job = await ctx.api("getJob", { jobId: jobs[0].jobId });
      return job.referenceId === SAMPLE_USER ? undefined : `job ${jobs[0].jobId} is for ${job.referenceId}, not ${SAMPLE_USER}`;
    },
  },
};

/** The generic check on the server: the sample exited 0 and printed jobs or a problem (parseOutput). */
const GENERIC = { server: () => undefined };

/** The jobs ([jobId, status]) of the operation's first success example: what Prism answers by default. */
function firstExampleJobs(operation) {
  const success = operation.responses.find((r) => /^2\d\d$/.test(r.status) && r.content.length > 0);
  const data = success?.content[0]?.examples[0]?.value?.data;
  const jobs = Array.isArray(data) ? data : data === undefined || data === null ? [] : [data];
  return jobs.filter((j) => typeof j?.jobId === "number" && JOB_STATUSES.includes(j.status)).map((j) => [j.jobId, j.status]);
}

function show(jobs) {
  return jobs.length ? jobs.map((j) => `${j.jobId} ${j.status}`).join(", ") : "(no job)";
}

function expectJobs(jobs, expected) {
  const want = expected.map(([id, status]) => `${id} ${status}`).join(", ");
  return show(jobs) === want ? undefined : `expected ${want}, got ${show(jobs)}`;
}

function ascending(jobs) {
  const ids = jobs.map((j) => j.jobId);
  return ids.every((id, i) => i === 0 || id > ids[i - 1]) ? undefined : `jobIds not ascending: ${ids.join(", ")}`;
}

/** What a sample printed: the jobs, and the problem of an error answer (curl: from the JSON). */
function parseOutput(lang, stdout) {
  if (lang === "curl") {
    const body = JSON.parse(stdout);
    if (body.data === undefined) return { jobs: [], problem: body };
    const jobs = Array.isArray(body.data) ? body.data : [body.data];
    return { jobs: jobs.map((j) => ({ jobId: j.jobId, status: j.status })), problem: undefined };
  }
  const jobs = [];
  let problem;
  for (const line of stdout.split("\n").filter((l) => l.trim())) {
    const job = /^(\d+) (\w+)(?: |$)/.exec(line);
    const finished = /^already finished: (.+)$/.exec(line);
    if (job && JOB_STATUSES.includes(job[2])) jobs.push({ jobId: Number(job[1]), status: job[2] });
    else if (finished) problem = { status: 501, detail: finished[1] };
    else throw new Error(`unexpected line: ${line}`);
  }
  return { jobs, problem };
}

/** Every operation of the contract with its samples, checked for the four languages and the placeholders. */
function loadSamples() {
  // The samples are prose the contract core leaves out: they come from the bundled spec, by the
  // table's path and method (an operation there is never a $ref).
  const bundled = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
  const problems = [];
  const operations = contract.operations.map((operation) => {
    const { operationId, path, method } = operation;
    const codeSamples = bundled.paths[path]?.[method]?.["x-codeSamples"] ?? [];
    const samples = Object.fromEntries(codeSamples.map((s) => [s.lang, s.source]));
    const missing = LANGS.filter((lang) => !samples[lang]);
    if (missing.length) problems.push(`${operationId}: no x-codeSamples for ${missing.join(", ")}`);
    const takesJob = operation.parameters.some((p) => p.in === "path" && p.name === "jobId");
    for (const [lang, source] of Object.entries(samples)) {
      if (!LANGS.includes(lang)) problems.push(`${operationId}: a ${lang} sample (expected ${LANGS.join(", ")})`);
      const needed = ["host", "key", "project", ...(takesJob ? ["jobId"] : [])];
      for (const what of needed) {
        if (!source.includes(PLACEHOLDERS[what])) problems.push(`${operationId} ${lang}: does not use ${PLACEHOLDERS[what]}`);
      }
    }
    return { operationId, takesJob, samples, expected: EXPECTED[operationId] ?? GENERIC, mockJobs: firstExampleJobs(operation) };
  });
  const unknown = Object.keys(EXPECTED).filter((id) => !operations.some((op) => op.operationId === id));
  if (unknown.length) problems.push(`EXPECTED names ${unknown.join(", ")}, which the spec does not have`);
  if (problems.length) throw new Error(`the samples in openapi.yaml:\n  ${problems.join("\n  ")}`);
  return operations;
}

function substitute(source, vars) {
  let out = source
    .replaceAll(PLACEHOLDERS.host, vars.baseUrl)
    .replaceAll(PLACEHOLDERS.key, vars.key)
    .replaceAll(PLACEHOLDERS.project, vars.project);
  if (vars.jobId !== undefined) out = out.replace(new RegExp(`\\b${PLACEHOLDERS.jobId}\\b`, "g"), String(vars.jobId));
  return out;
}

const FILE = { curl: "sh", TypeScript: "ts", Python: "py" };

/** Writes one sample as its language wants it; returns the command that runs it. */
function writeSample(lang, dir, name, source) {
  if (lang === "Go") {
    mkdirSync(join(WORK, "go", dir, name), { recursive: true });
    writeFileSync(join(WORK, "go", dir, name, "main.go"), source);
    return { cmd: join(WORK, "go", "bin", dir, name), args: [] };
  }
  const file = join(WORK, lang.toLowerCase(), `${dir}-${name}.${FILE[lang]}`);
  writeFileSync(file, source);
  if (lang === "curl") return { cmd: "sh", args: ["-e", file] };
  if (lang === "TypeScript") {
    return { cmd: join(ROOT, "node_modules", ".bin", "tsx"), args: ["--tsconfig", join(WORK, "typescript", "tsconfig.json"), file] };
  }
  return { cmd: join(ROOT, ".venv", "bin", "python"), args: [file] };
}

/** The per-language set-up, and the checks that need no server: tsc, gofmt, go vet. */
function prepare(langs, operations) {
  rmSync(WORK, { recursive: true, force: true });
  for (const lang of langs) mkdirSync(join(WORK, lang.toLowerCase()), { recursive: true });
  const write = (lang) => operations.forEach((op) => writeSample(lang, "check", op.operationId, op.samples[lang]));
  if (langs.includes("TypeScript")) {
    const dir = join(WORK, "typescript");
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
    // The project's compiler settings; the package name resolves to the checkout's client.
    const tsconfig = {
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: { noEmit: true, paths: { "openreplay-jobs-api": [join(ROOT, "client", "index.ts")] } },
      include: ["*.ts"],
      exclude: [],
    };
    writeFileSync(join(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
    write("TypeScript");
    step("tsc: the TypeScript samples type-check", () => run(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", dir], { quiet: true }));
  }
  if (langs.includes("Python")) {
    const client = join(CLIENTS, "python");
    if (!existsSync(client)) throw new Error(`no generated Python client in ${client}: run npm run clients first`);
    preparePython(client);
  }
  if (langs.includes("Go")) {
    const client = join(CLIENTS, "go");
    if (!existsSync(client)) throw new Error(`no generated Go client in ${client}: run npm run clients first`);
    const dir = join(WORK, "go");
    writeFileSync(join(dir, "go.mod"), `module samples\n\ngo 1.26.0\n\nrequire ${GO_MODULE} v0.0.0\n\nreplace ${GO_MODULE} => ${client}\n`);
    // The smoke module's checksums: the same dependencies, so tidy needs no download.
    copyFileSync(join(ROOT, "test", "clients", "go", "go.sum"), join(dir, "go.sum"));
    write("Go");
    run("go", ["mod", "tidy"], { cwd: dir, quiet: true });
    step("gofmt: the Go samples are formatted", () => {
      const unformatted = run("gofmt", ["-l", "check"], { cwd: dir, quiet: true }).trim();
      if (unformatted) throw new Error(`gofmt would change: ${unformatted}`);
    });
    step("go vet: the Go samples", () => run("go", ["vet", "./check/..."], { cwd: dir, quiet: true }));
  }
}

let failures = 0;

function step(label, fn) {
  try {
    fn();
    console.log(`  ok    ${label}`);
  } catch (err) {
    failures++;
    console.log(`  FAIL  ${label}\n${indent(err instanceof Error ? err.message : String(err))}`);
  }
}

function indent(text) {
  return text.replace(/^/gm, "        ");
}

/** Runs every sample against one target: { name, baseUrl, key, project, server }. */
async function runTarget(target, langs, operations) {
  console.log(`\n== ${target.name} (${target.baseUrl})`);
  /** A call of an operation on the target's project, answering the body's `data`. */
  const api = async (operationId, values = {}) => {
    const { method, path } = contract.operation(operationId);
    const res = await fetch(`${target.baseUrl}${fillPath(path, { projectKey: target.project, ...values })}`, {
      method: method.toUpperCase(),
      headers: { Authorization: target.key },
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${operationId}: ${res.status} ${JSON.stringify(body)}`);
    return body.data;
  };
  /** On the server, a fresh scheduled job (a deletion for a user of its own). */
  let n = 0;
  const freshJob = async () => (await api("deleteUserData", { userId: `samples-${Date.now()}-${++n}@example.com` })).jobId;

  // Every substitution is known before anything runs, so the Go programs build in one go.
  const runs = [];
  for (const op of operations) {
    for (const lang of langs) {
      const ctx = { api, freshJob };
      if (target.server && op.takesJob) ctx.jobId = await freshJob();
      if (target.server) await op.expected.prepare?.(ctx);
      const source = substitute(op.samples[lang], { ...target, jobId: ctx.jobId });
      runs.push({ op, lang, ctx, command: writeSample(lang, target.name, op.operationId, source) });
    }
  }
  if (langs.includes("Go")) {
    // Not a synchronous run: the event loop keeps serving the connections to the target meanwhile.
    const built = await execute("go", ["build", "-o", `${join("bin", target.name)}/`, `./${target.name}/...`], join(WORK, "go"));
    step(`go build: the Go samples for ${target.name}`, () => {
      if (built.error || built.status !== 0) throw new Error(`${built.error?.message ?? ""}${built.stdout}${built.stderr}`);
    });
  }
  for (const { op, lang, ctx, command } of runs) {
    const { expected } = op;
    await check(`${op.operationId} ${lang} (${target.name})`, command, lang, (out) =>
      target.server ? expected.server(out, ctx) : expectJobs(out.jobs, op.mockJobs),
    );
    if (target.server && expected.again) {
      await check(`${op.operationId} ${lang} again (${target.name})`, command, lang, (out) => expected.again(out, ctx));
    }
  }
}

/** Runs a program to its end (killed after two minutes); never rejects. */
function execute(cmd, args, cwd = WORK) {
  return new Promise((resolveRun) => {
    const res = { stdout: "", stderr: "", status: null, signal: null, error: undefined };
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
    child.stdout.on("data", (d) => (res.stdout += d));
    child.stderr.on("data", (d) => (res.stderr += d));
    child.on("error", (err) => (res.error = err));
    child.on("close", (status, signal) => resolveRun({ ...res, status, signal }));
  });
}

/** Runs one sample program and checks what it printed. */
async function check(label, { cmd, args }, lang, verify) {
  const res = await execute(cmd, args);
  const output = `${res.stdout ?? ""}${res.stderr ? `\n${res.stderr}` : ""}`.trim();
  let why;
  let printed;
  if (res.error) why = `could not run ${cmd}: ${res.error.message}`;
  else if (res.status !== 0) why = `exited with ${res.status ?? res.signal}`;
  else {
    try {
      printed = parseOutput(lang, res.stdout);
      why = await verify(printed);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
  }
  if (why === undefined) {
    const got = printed.problem ? `${printed.problem.status} ${printed.problem.detail}` : show(printed.jobs);
    console.log(`  ok    ${label}: ${got.length > 90 ? `${got.slice(0, 90)}...` : got}`);
  } else {
    failures++;
    console.log(`  FAIL  ${label}: ${why}\n${indent(output || "(no output)")}`);
  }
}

async function main() {
  const options = { mock: { type: "boolean" }, "local-server": { type: "boolean" }, lang: { type: "string" }, list: { type: "boolean" } };
  const args = parseArgs({ options }).values;
  const langs = languagesFrom(args.lang, LANGS);
  const both = !args.mock && !args["local-server"];
  const operations = loadSamples();
  if (args.list) {
    const plan = operations.map((op) => ({
      operationId: op.operationId,
      languages: langs.filter((lang) => op.samples[lang] !== undefined),
      mock: `prints ${op.mockJobs.map(([id, status]) => `${id} ${status}`).join(", ") || "(no job)"}`,
      server: op.expected === GENERIC ? "generic" : Object.keys(op.expected).join(", "),
    }));
    console.log(JSON.stringify(plan, null, 2));
    return 0;
  }
  console.log(`${operations.length} operations, samples in ${langs.join(", ")}`);
  prepare(langs, operations);

  if (args.mock || both) {
    const mock = await startPrism();
    try {
      await runTarget({ name: "mock", baseUrl: mock.baseUrl, key: MOCK_KEY, project: MOCK_PROJECT, server: false }, langs, operations);
    } finally {
      await mock.stop();
    }
  }
  if (args["local-server"] || both) {
    const server = await startLocalServer();
    try {
      await runTarget(
        { name: "server", baseUrl: server.baseUrl, key: server.key, project: server.project, server: true },
        langs,
        operations,
      );
    } finally {
      await server.stop();
    }
  }
  console.log(failures ? `\nsamples: ${failures} failed` : "\nsamples: every sample ran and printed what was expected");
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    const cause = err instanceof Error && err.cause ? ` (${err.cause})` : "";
    console.error(`run-samples: ${err instanceof Error ? err.message : String(err)}${cause}`);
    process.exit(1);
  },
);
