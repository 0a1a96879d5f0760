#!/usr/bin/env node
// Runs the smoke programs of the generated clients (test/clients/python/smoke.py and
// test/clients/go) against the Prism mock and/or a real server.
//
//   node scripts/smoke-clients.mjs --mock
//       starts `prism mock openapi.yaml` on a free 127.0.0.1 port, runs every smoke in mock mode
//   node scripts/smoke-clients.mjs --server URL --key KEY --project PROJECT_KEY
//       runs every smoke in server mode against a running server (the project must exist)
//   node scripts/smoke-clients.mjs --local-server
//       starts this checkout's server (tsx server/cli.ts) on a temporary SQLite database seeded
//       with `jobs-api demo`, on a free 127.0.0.1 port, runs every smoke in server mode, stops it
//   --mock, --server and --local-server can be combined; with none, --mock is assumed.
//   --lang python,go   which clients (default both)
//   --clients DIR      where `npm run clients` wrote them (default out/clients)
//
// The clients must have been generated first (`npm run clients`). Python runs in .venv/,
// created here with `python3 -m venv` on first use; the generated package and its pinned
// dependencies (test/clients/python/constraints.txt) are installed from PyPI, and installed
// again only when the generated code changes.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { freePort } from "./lib/ports.mjs";
import { parseArgs } from "node:util";
import { ROOT, run, runMain } from "./lib/tools.mjs";

const LANGS = ["python", "go"];
const MOCK_PROJECT = "3sWXSsqHgSKnE87YkNJK";
const MOCK_KEY = "smoke-test-key";
const VENV = join(ROOT, ".venv");
/** Services started here and not stopped yet: stopped on SIGINT/SIGTERM too. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const stop of running) stop();
    process.exit(130);
  });
}

/** Every file under dir (sorted), hashed: tells whether the generated package changed. */
function treeHash(dir) {
  const hash = createHash("sha256");
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(relative(dir, p)).update("\0").update(readFileSync(p)).update("\0");
    }
  };
  walk(dir);
  return hash.digest("hex");
}

function preparePython(clientDir) {
  const python = join(VENV, "bin", "python");
  if (!existsSync(python)) {
    console.log("Creating .venv/ (python3 -m venv)...");
    run("python3", ["-m", "venv", VENV]);
  }
  const constraints = join(ROOT, "test", "clients", "python", "constraints.txt");
  const stampFile = join(VENV, ".openreplay-jobs-api-client");
  const stamp = `${treeHash(clientDir)} ${createHash("sha256").update(readFileSync(constraints)).digest("hex")}`;
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return python;
  const start = performance.now();
  console.log("Installing the generated Python client into .venv/ (pip)...");
  run(
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--force-reinstall", "-c", constraints, clientDir],
    { quiet: true },
  );
  writeFileSync(stampFile, stamp);
  console.log(`Python client installed in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return python;
}

/** The Go smoke module, pointed at clientDir (a temporary copy when it is not out/clients/go). */
function prepareGo(clientDir) {
  const smokeDir = join(ROOT, "test", "clients", "go");
  const defaultDir = join(ROOT, "out", "clients", "go");
  if (resolve(clientDir) === defaultDir) return { dir: smokeDir, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), "jobs-api-go-smoke-"));
  cpSync(smokeDir, tmp, { recursive: true });
  run("go", ["mod", "edit", `-replace=openreplay.example.com/jobsapi=${resolve(clientDir)}`], { cwd: tmp });
  return { dir: tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** Spawns a long-running child in its own process group; stop() ends that group (by its id). */
function spawnService(cmd, args, env) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const service = { log: "", exited: false, stop: () => {} };
  child.stdout.on("data", (d) => (service.log += d));
  child.stderr.on("data", (d) => (service.log += d));
  child.on("exit", () => (service.exited = true));
  running.add(() => service.stop());
  service.stop = () => {
    if (service.exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  };
  return service;
}

/** Waits until an authenticated listJobs answers 200. */
async function waitReady(name, service, baseUrl, project, key) {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (service.exited) throw new Error(`${name} exited before it was ready:\n${service.log}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1/${project}/jobs?limit=1`, {
        headers: { Authorization: key },
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  service.stop();
  throw new Error(`${name} did not answer on ${baseUrl} within 60 s:\n${service.log}`);
}

/** Runs one smoke program; resolves to true when it passed. Its output goes straight through. */
function runSmoke(label, cmd, args, cwd) {
  return new Promise((resolveRun) => {
    console.log(`\n== ${label}`);
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => {
      console.error(`${label}: could not start ${cmd}: ${err.message}`);
      resolveRun(false);
    });
    child.on("exit", (code, signal) => {
      if (code !== 0) console.error(`${label}: exited with ${code ?? signal}`);
      resolveRun(code === 0);
    });
  });
}

async function startPrism() {
  const port = await freePort();
  const prism = join(ROOT, "node_modules", ".bin", "prism");
  if (!existsSync(prism)) throw new Error(`${prism} is missing: run npm ci first`);
  const service = spawnService(prism, ["mock", join(ROOT, "openapi.yaml"), "-p", String(port), "-h", "127.0.0.1"]);
  const baseUrl = `http://127.0.0.1:${port}`;
  // Prism answers 401 without Authorization, so readiness is an authenticated 200.
  await waitReady("prism mock", service, baseUrl, MOCK_PROJECT, MOCK_KEY);
  return { baseUrl, stop: service.stop };
}

/** This checkout's server on a temporary SQLite database seeded with the demo organization. */
async function startLocalServer() {
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const cli = join(ROOT, "server", "cli.ts");
  const tmp = mkdtempSync(join(tmpdir(), "jobs-api-smoke-server-"));
  // New jobs start an hour from now, so the runner never finishes one before the smoke cancels it.
  const env = { DATABASE_URL: `sqlite:${join(tmp, "jobs.db")}`, JOBS_START_DELAY: "1h", LOG_LEVEL: "warn" };
  const demo = JSON.parse(run(tsx, [cli, "demo", "--json"], { env, quiet: true }));
  if (!demo.apiKey || !demo.projectKey) throw new Error(`jobs-api demo --json printed no apiKey/projectKey`);
  const port = await freePort();
  const service = spawnService(tsx, [cli, "serve"], { ...env, PORT: String(port), HOST: "127.0.0.1" });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady("jobs-api serve", service, baseUrl, demo.projectKey, demo.apiKey);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    baseUrl,
    key: demo.apiKey,
    project: demo.projectKey,
    stop: () => {
      service.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

async function phase(mode, baseUrl, key, project, langs, clientsDir) {
  const results = [];
  for (const lang of langs) {
    const clientDir = join(clientsDir, lang);
    if (!existsSync(clientDir)) {
      console.error(`\n${lang}: no generated client in ${clientDir}: run npm run clients first`);
      results.push({ name: `${lang} (${mode})`, ok: false });
      continue;
    }
    const args = ["--base-url", baseUrl, "--api-key", key, "--project", project, "--mode", mode];
    if (lang === "python") {
      const python = preparePython(clientDir);
      const smoke = join(ROOT, "test", "clients", "python", "smoke.py");
      results.push({ name: `python (${mode})`, ok: await runSmoke(`python client, ${mode}`, python, [smoke, ...args], ROOT) });
    }
    if (lang === "go") {
      const { dir, cleanup } = prepareGo(clientDir);
      try {
        results.push({ name: `go (${mode})`, ok: await runSmoke(`go client, ${mode}`, "go", ["run", ".", ...args], dir) });
      } finally {
        cleanup();
      }
    }
  }
  return results;
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      mock: { type: "boolean" },
      "local-server": { type: "boolean" },
      server: { type: "string" },
      key: { type: "string" },
      project: { type: "string" },
      lang: { type: "string" },
      clients: { type: "string" },
    },
  });
  const langs = (args.lang ?? LANGS.join(",")).split(",").map((l) => l.trim()).filter(Boolean);
  for (const lang of langs) {
    if (!LANGS.includes(lang)) throw new Error(`--lang: unknown language "${lang}" (${LANGS.join(", ")})`);
  }
  if (args.server && (!args.key || !args.project)) throw new Error("--server needs --key and --project");
  const clientsDir = resolve(ROOT, args.clients ?? join("out", "clients"));
  const mock = args.mock || (!args.server && !args["local-server"]);
  const results = [];

  if (mock) {
    const start = performance.now();
    const prism = await startPrism();
    console.log(`prism mock of openapi.yaml on ${prism.baseUrl} (ready in ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    try {
      results.push(...(await phase("mock", prism.baseUrl, MOCK_KEY, MOCK_PROJECT, langs, clientsDir)));
    } finally {
      prism.stop();
    }
  }
  if (args.server) {
    console.log(`\nserver ${args.server}, project ${args.project}`);
    results.push(...(await phase("server", args.server, args.key, args.project, langs, clientsDir)));
  }
  if (args["local-server"]) {
    const start = performance.now();
    const server = await startLocalServer();
    console.log(`\njobs-api serve (demo data) on ${server.baseUrl} (ready in ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    try {
      results.push(...(await phase("server", server.baseUrl, server.key, server.project, langs, clientsDir)));
    } finally {
      server.stop();
    }
  }

  const failed = results.filter((r) => !r.ok);
  console.log(`\nclient smoke: ${results.map((r) => `${r.name} ${r.ok ? "ok" : "FAILED"}`).join(", ")}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

await runMain("smoke-clients", main);
