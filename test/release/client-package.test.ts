// The two packages as their users get them. Makes both tarballs as the README says
// (`npm run release`, which runs each package's prepack build) and installs each into a fresh
// project outside the repository, made as a newcomer makes one (`npm init -y`: npm 11 writes
// "type": "commonjs"):
// - the contract/client package (what a frontend installs): no install script, a node_modules
//   under 1 MB with nothing native, a TypeScript file importing it type-checks (a wrong call does
//   not) and, run, gets the spec's example job from the Prism mock; its conformance command runs
//   with npx from the project;
// - every runnable example of the documentation (`<!-- example: NAME -->` blocks of README.md
//   and docs/*.md, see test/support/doc-examples.ts), saved as the file its text names
//   (`npx tsx example.mts`) and run with tsx against the mock or the sandbox, from the checkout
//   (tsx resolves the package name to the sources, tsconfig.json `paths`) and from the package;
// - the server package: `jobs-api --help` and `--version` work (also through npx), and its
//   server answers through the spec it carries. Installed here with --ignore-scripts
//   (better-sqlite3's native build takes minutes), so it runs on PostgreSQL;
//   `npm run check:pack -- --install` does the full install and runs the sandbox on SQLite.
import { execFile, spawn } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import {
  callsSandbox,
  documentationExamples,
  isTypeScript,
  withBaseUrl,
  withSandboxUrl,
  type DocExample,
} from "../support/doc-examples.js";
import { startSandbox, type RunningSandbox } from "../../server/cli/sandbox.js";
import { startMock, type RunningMock } from "../support/mock.js";
import { waitForOutput } from "../support/cli.js";
import { temporaryFolder } from "../support/temp.js";
import { defaultExample } from "../msw/support.js";
import { writeUserTsconfig } from "../../scripts/lib/user-project.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const CLIENT_PACKAGE = "openreplay-jobs-api";
const SERVER_PACKAGE = "openreplay-jobs-api-server";
const MAX_NODE_MODULES_BYTES = 1024 * 1024;
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === 1 && !stderr ? error.message : "") });
      },
    );
  });
}

const describeRun = (what: string, run: Run) => `${what} exited ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;

/**
 * A fresh project as a newcomer makes one: a folder outside the repository (so no workspace or
 * tsconfig of ours applies) and `npm init -y`, whose package.json npm 11 writes with
 * "type": "commonjs".
 */
async function freshProject(parent: string, name: string): Promise<string> {
  const dir = join(parent, name);
  mkdirSync(dir);
  const init = await exec("npm", ["init", "-y"], { cwd: dir });
  expect(init.code, describeRun("npm init -y", init)).toBe(0);
  return dir;
}

/**
 * `npm install TARBALL` from the npm cache only. npm ci fills the cache with the tarballs of the
 * lockfile but not with the registry's package documents, so the first run on a machine may
 * have to fetch those: it then falls back to --prefer-offline (tarballs still from the cache).
 */
async function npmInstall(dir: string, tarball: string, extra: string[] = []): Promise<Run & { mode: string }> {
  const args = ["install", "--no-audit", "--no-fund", "--no-update-notifier", ...extra, tarball];
  const offline = await exec("npm", ["--offline", ...args], { cwd: dir });
  if (offline.code === 0) return { ...offline, mode: "offline" };
  if (!/ENOTCACHED/.test(offline.stderr + offline.stdout)) return { ...offline, mode: "offline" };
  rmSync(join(dir, "node_modules"), { recursive: true, force: true });
  return { ...(await exec("npm", ["--prefer-offline", ...args], { cwd: dir })), mode: "prefer-offline" };
}

interface TreeReport {
  bytes: number;
  packages: Array<{ name: string; version: string; scripts: Record<string, string> }>;
  native: string[];
}

/** Walks node_modules (not following links): total size, every package.json, native files. */
function scanTree(nodeModules: string): TreeReport {
  const report: TreeReport = { bytes: 0, packages: [], native: [] };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        report.bytes += lstatSync(path).size;
        if (entry.name.endsWith(".node") || entry.name === "binding.gyp") report.native.push(relative(nodeModules, path));
        if (entry.name === "package.json" && /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(dir)) {
          const manifest = JSON.parse(readFileSync(path, "utf8"));
          report.packages.push({ name: manifest.name, version: manifest.version, scripts: manifest.scripts ?? {} });
        }
      }
    }
  };
  walk(nodeModules);
  return report;
}

/** The first named example of getJob's 200 answer: what Prism answers without Prefer. */
function specExampleJob(): unknown {
  return (defaultExample("getJob").body as { data: unknown }).data;
}

const work = temporaryFolder("jobs-api-packages-");
const examples: DocExample[] = documentationExamples(ROOT);
const tsExamples = examples.filter(isTypeScript);
/** Examples of the MSW handlers need msw and openapi-msw, the client package's optional peers. */
const needsMsw = (e: DocExample) => e.code.includes(`"${CLIENT_PACKAGE}/msw"`);
const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
let mock: RunningMock;
/** Sandboxes the examples calling http://127.0.0.1:3000 ran against: a fresh one each, so each sees a job run. */
const sandboxes: Array<Promise<RunningSandbox>> = [];
/** out/doc-examples-XXXX/ in the checkout (git-ignored), removed at the end. */
let checkoutExamples: string | undefined;
let clientTarball: string;
let serverTarball: string;

beforeAll(async () => {
  const packs = join(work, "packs");
  const release = await exec("npm", ["run", "--silent", "release", "--", "--out", packs], { cwd: ROOT });
  expect(release.code, describeRun("npm run release", release)).toBe(0);
  // The names the documentation's install lines use (test/docs/install-lines.test.ts).
  const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  clientTarball = join(packs, `${CLIENT_PACKAGE}-${version}.tgz`);
  serverTarball = join(packs, `${SERVER_PACKAGE}-${version}.tgz`);
  expect(readdirSync(packs).sort()).toEqual([clientTarball, serverTarball].map((path) => relative(packs, path)).sort());
  mock = await startMock();
}, 600_000);

afterAll(async () => {
  if (checkoutExamples) rmSync(checkoutExamples, { recursive: true, force: true });
  // Each closed even when another fails: a sandbox deletes its database folder on close.
  const closing = [mock?.close(), ...sandboxes.map(async (sandbox) => (await sandbox).close())];
  for (const result of await Promise.allSettled(closing)) if (result.status === "rejected") throw result.reason;
});

describe("the documentation's examples", () => {
  it("include the client example of the README's quick start", () => {
    expect(examples.map((e) => `${e.file}: ${e.name}`)).toContain("README.md: client");
  });

  it("each say how to run them: npx tsx on a .mts file, which runs its top-level await in any project", () => {
    expect(tsExamples.filter((e) => !e.runAs?.endsWith(".mts")).map((e) => `${e.file}:${e.line} ${e.name}: ${e.runAs}`)).toEqual([]);
  });

  it.each(tsExamples.map((e) => [`${e.name} (${e.file}:${e.line})`, e] as const))(
    "%s runs from the checkout against the mock",
    async (_label, example) => {
      // Inside the repository, so tsx applies tsconfig.json's paths: the package's name is the sources.
      mkdirSync(join(ROOT, "out"), { recursive: true });
      checkoutExamples ??= mkdtempSync(join(ROOT, "out", "doc-examples-"));
      mkdirSync(join(checkoutExamples, example.name));
      const file = join(checkoutExamples, example.name, example.runAs ?? `${example.name}.ts`);
      writeFileSync(file, await exampleCode(example));
      const run = await exec(process.execPath, [TSX, file], { cwd: ROOT });
      expect(run.code, describeRun(`tsx ${relative(ROOT, file)}`, run)).toBe(0);
      if (example.name === "client") expectClientExampleOutput(run.stdout);
      expectSandboxExampleOutput(example, run.stdout);
    },
    120_000,
  );
});

/** The client example prints the job it got: the mock's answer is the spec's first getJob example. */
function expectClientExampleOutput(stdout: string): void {
  const job = specExampleJob() as { jobId: number; status: string };
  expect(stdout).toContain(`${job.jobId} ${job.status}`);
}

/** What an example that calls the sandbox prints: the comment of its last console.log line says it. */
function expectSandboxExampleOutput(example: DocExample, stdout: string): void {
  if (!callsSandbox(example)) return;
  const said = example.code
    .match(/^console\.log\(.*\/\/ (.+)$/gm)
    ?.at(-1)
    ?.replace(/^.*\/\/ /, "");
  expect(said, `${example.name}: its last console.log line has no // comment saying what it prints`).toBeDefined();
  expect(stdout.trim().split("\n").at(-1)).toBe(said!.trim());
}

describe(`the ${CLIENT_PACKAGE} tarball installed into an empty project`, () => {
  let app: string;
  let install: Run & { mode: string };
  let tree: TreeReport;

  beforeAll(async () => {
    app = await freshProject(work, "frontend-app");
    install = await npmInstall(app, clientTarball);
    expect(install.code, describeRun(`npm install (${install.mode})`, install)).toBe(0);
    tree = scanTree(join(app, "node_modules"));
  }, 300_000);

  it("brings only openapi-fetch (and its helper types) besides itself", () => {
    expect(tree.packages.map((p) => p.name).sort()).toEqual(["openapi-fetch", "openapi-typescript-helpers", CLIENT_PACKAGE]);
  });

  it("runs no install script: no package declares one and npm reports none", () => {
    // `prepare` too for ours: npm 11 warns about it on every install of a tarball.
    const withScripts = tree.packages.filter(
      (p) => INSTALL_SCRIPTS.some((s) => p.scripts[s] !== undefined) || (p.name === CLIENT_PACKAGE && p.scripts.prepare !== undefined),
    );
    expect(withScripts.map((p) => `${p.name}: ${JSON.stringify(p.scripts)}`)).toEqual([]);
    // npm 11 lists the packages whose install scripts it would run ("install-scripts" warnings).
    expect(install.stderr + install.stdout).not.toMatch(/install[- ]scripts?|node-gyp|prebuild/i);
  });

  it("is a project as npm init -y makes it: CommonJS unless a file says otherwise", () => {
    expect((JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { type?: string }).type ?? "commonjs").toBe("commonjs");
  });

  it("has its conformance command, run with npx from the project, the key from the environment", async () => {
    const key = "key-from-the-environment-0123456789";
    const env = { ...process.env, CONFORMANCE_API_KEY: key };
    const args = [CLIENT_PACKAGE, "conformance", "--base-url", mock.url, "--project-key", "3sWXSsqHgSKnE87YkNJK", "--only", "auth.*"];
    const run = await exec("npx", args, { cwd: app, env });
    expect(run.code, describeRun("npx openreplay-jobs-api conformance", run)).toBe(1); // the mock keeps no keys: auth.wrong-* fail
    expect(run.stdout).toMatch(/^Jobs API conformance of /);
    expect(run.stdout + run.stderr).not.toContain(key);
  }, 120_000);

  it("has a node_modules under 1 MB with nothing native", () => {
    expect(tree.native).toEqual([]);
    expect(tree.bytes).toBeLessThan(MAX_NODE_MODULES_BYTES);
  });

  it("type-checks a TypeScript file that imports it, and refuses a wrong call", async () => {
    writeFileSync(
      join(app, "jobs.mts"),
      [
        `import { createJobsClient, JobsApiError, type Job } from "${CLIENT_PACKAGE}";`,
        `import { createJobsClient as fromSubpath } from "${CLIENT_PACKAGE}/client";`,
        `import type { paths } from "${CLIENT_PACKAGE}/types";`,
        `const client = createJobsClient({ baseUrl: "${mock.url}", apiKey: "test-key" });`,
        `const same: typeof fromSubpath = createJobsClient;`,
        `type ListPath = keyof paths;`,
        `const list: ListPath = "/api/v1/{projectKey}/jobs";`,
        `const { data, error, response } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {`,
        `  params: { path: { projectKey: "3sWXSsqHgSKnE87YkNJK", jobId: 3451 } },`,
        `});`,
        `if (error) throw new JobsApiError(response.status, error);`,
        `const job: Job = data.data;`,
        `console.log(JSON.stringify({ job, same: typeof same, list }));`,
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(app, "wrong.mts"),
      [
        `import { createJobsClient } from "${CLIENT_PACKAGE}";`,
        `const client = createJobsClient({ baseUrl: "http://127.0.0.1:4010", apiKey: "k" });`,
        `await client.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey: "p", jobId: "not-a-number" } } });`,
        "",
      ].join("\n"),
    );
    writeUserTsconfig(app, { include: ["jobs.mts"] });
    const good = await exec(process.execPath, [TSC, "-p", app], { cwd: app });
    expect(good.code, describeRun("tsc (jobs.mts)", good)).toBe(0);

    writeUserTsconfig(app, { include: ["wrong.mts"] });
    const wrong = await exec(process.execPath, [TSC, "-p", app], { cwd: app });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toMatch(/wrong\.mts\(3,.*error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 300_000);

  it("calls the Prism mock and gets the spec's example job", async () => {
    const run = await exec(process.execPath, [TSX, "jobs.mts"], { cwd: app });
    expect(run.code, describeRun("tsx jobs.mts", run)).toBe(0);
    const printed = JSON.parse(run.stdout.trim().split("\n").pop()!) as { job: unknown; same: string };
    expect(printed.job).toEqual(specExampleJob());
    expect(printed.same).toBe("function");
  }, 120_000);

  it.each(tsExamples.filter((e) => !needsMsw(e)).map((e) => [`${e.name} (${e.file}:${e.line})`, e] as const))(
    "runs the documentation example %s as written, against the mock",
    async (_label, example) => runInstalledExample(app, example),
    300_000,
  );
});

describe(`the ${CLIENT_PACKAGE} tarball installed with its optional peers msw and openapi-msw`, () => {
  let app: string;

  beforeAll(async () => {
    app = await freshProject(work, "msw-app");
    const peers = ["msw", "openapi-msw"].map((name) => `${name}@${ROOT_PACKAGE.devDependencies[name]}`);
    const install = await npmInstall(app, clientTarball, peers);
    expect(install.code, describeRun(`npm install (${install.mode})`, install)).toBe(0);
  }, 300_000);

  it.each(tsExamples.filter(needsMsw).map((e) => [`${e.name} (${e.file}:${e.line})`, e] as const))(
    "runs the documentation example %s as written",
    async (_label, example) => runInstalledExample(app, example),
    300_000,
  );
});

/**
 * The example as run: pointed at this run's mock, or at its sandbox (started for the first
 * example that calls one), except MSW's, which answer in-process at their own URL.
 */
async function exampleCode(example: DocExample): Promise<string> {
  if (needsMsw(example)) return example.code;
  if (callsSandbox(example)) {
    const sandbox = startSandbox({ ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
    sandboxes.push(sandbox);
    return withSandboxUrl(example.code, (await sandbox).server.url);
  }
  return withBaseUrl(example.code, mock.url);
}

/**
 * Type-checks and runs one documentation example in an installed project: saved under the name
 * its text gives (in a folder of its own, as several may give the same name), run with tsx.
 */
async function runInstalledExample(app: string, example: DocExample): Promise<void> {
  mkdirSync(join(app, example.name));
  const file = join(app, example.name, example.runAs ?? `${example.name}.ts`);
  writeFileSync(file, await exampleCode(example));
  writeUserTsconfig(app, { include: [relative(app, file)] });
  const types = await exec(process.execPath, [TSC, "-p", app], { cwd: app });
  expect(types.code, describeRun(`tsc ${relative(app, file)}`, types)).toBe(0);
  const run = await exec(process.execPath, [TSX, file], { cwd: app });
  expect(run.code, describeRun(`tsx ${relative(app, file)}`, run)).toBe(0);
  if (example.name === "client") expectClientExampleOutput(run.stdout);
  expectSandboxExampleOutput(example, run.stdout);
}

describe(`the ${SERVER_PACKAGE} tarball installed into an empty project`, () => {
  let app: string;
  let bin: string;

  beforeAll(async () => {
    app = await freshProject(work, "server-app");
    // --ignore-scripts: better-sqlite3 would compile for minutes; check:pack --install does it.
    const install = await npmInstall(app, serverTarball, ["--ignore-scripts"]);
    expect(install.code, describeRun(`npm install (${install.mode})`, install)).toBe(0);
    bin = join(app, "node_modules", ".bin", "jobs-api");
  }, 600_000);

  it("does not bring the client package or any development tool", () => {
    const names = new Set(scanTree(join(app, "node_modules")).packages.map((p) => p.name));
    for (const absent of [CLIENT_PACKAGE, "typescript", "tsx", "vitest", "@stoplight/prism-cli", "@redocly/cli", "esbuild"]) {
      expect(names.has(absent), absent).toBe(false);
    }
    expect(names.has("express")).toBe(true);
  });

  it("has a working jobs-api command: --help and --version, also through npx", async () => {
    const help = await exec(bin, ["--help"], { cwd: app });
    expect(help.code, describeRun("jobs-api --help", help)).toBe(0);
    expect(help.stdout).toMatch(/Usage: jobs-api/);
    expect(help.stdout).toMatch(/\bserve\b[\s\S]*\bsandbox\b/);
    const version = await exec(bin, ["--version"], { cwd: app });
    expect(version.code, describeRun("jobs-api --version", version)).toBe(0);
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, "server", "package.json"), "utf8")) as { version: string };
    expect(version.stdout.trim()).toBe(expected);
    const npx = await exec("npx", ["jobs-api", "--version"], { cwd: app });
    expect(npx.code, describeRun("npx jobs-api --version", npx)).toBe(0);
    expect(npx.stdout.trim()).toBe(expected);
  }, 120_000);

  const postgres = databases.find((d) => d.name === "postgres");
  it.skipIf(postgres === undefined)(
    "serves the API from the spec it carries (on PostgreSQL)",
    async () => {
      const env = {
        ...process.env,
        DATABASE_URL: await postgres!.url(),
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        JOBS_RUNNER: "off",
      };
      const demo = await exec(bin, ["demo", "--json"], { cwd: app, env });
      expect(demo.code, describeRun("jobs-api demo", demo)).toBe(0);
      const { apiKey, projectKey } = JSON.parse(demo.stdout) as { apiKey: string; projectKey: string };
      const child = spawn(bin, ["serve"], { cwd: app, env });
      try {
        const [, url] = await waitForOutput(child, /jobs-api listening on (http:\/\/\S+)/, 60_000);
        const jobs = await fetch(`${url}/api/v1/${projectKey}/jobs`, { headers: { Authorization: apiKey } });
        expect(jobs.status).toBe(200);
        expect(((await jobs.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
        const noKey = await fetch(`${url}/api/v1/${projectKey}/jobs`);
        expect(noKey.status).toBe(401);
        expect(noKey.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined)));
      }
    },
    180_000,
  );
});
