#!/usr/bin/env node
// Runs the smoke programs of the generated clients (test/clients/python/smoke.py and
// test/clients/go) against the Prism mock and/or a real server.
//
//   node scripts/smoke-clients.mjs --mock
//       starts the Prism mock (mock/start.mjs) on a free 127.0.0.1 port, runs every smoke in mock mode
//   node scripts/smoke-clients.mjs --server URL --key KEY --project PROJECT_KEY
//       runs every smoke in server mode against a running server (the project must exist)
//   node scripts/smoke-clients.mjs --local-server
//       starts this checkout's server (tsx server/cli/main.ts) on a temporary SQLite database seeded
//       with `jobs-api demo`, on a free 127.0.0.1 port, runs every smoke in server mode, stops it
//   node scripts/smoke-clients.mjs --sandbox
//       starts this checkout's `jobs-api sandbox` on a free 127.0.0.1 port and runs every smoke in
//       sandbox mode: the client's retries ride out test mode's `Prefer: code=429|503, times=N`
//   --mock, --server, --local-server and --sandbox can be combined; with none, --mock is assumed.
//   Besides, go-server (test/clients/go-server) checks the Go server oapi-codegen generates with
//   its defaults: every required field of a Job in its answers; it needs no mock or server.
//   --lang python,go,go-server   which clients (default all)
//   --clients DIR      where `npm run clients` wrote them (default out/clients)
//
// The clients must have been generated first (`npm run clients`). Python runs in .venv/,
// created here with `python3 -m venv` on first use; the generated package and its pinned
// dependencies (test/clients/python/constraints.txt) are installed from PyPI, and installed
// again only when the generated code changes.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MOCK_KEY, MOCK_PROJECT, preparePython, startLocalServer, startPrism, startSandbox } from "./lib/services.mjs";
import { parseArgs } from "node:util";
import { ROOT, run, runMain, languagesFrom } from "./lib/tools.mjs";

const LANGS = ["python", "go", "go-server"];

/**
 * A Go module of test/clients/<name>, pointed at the generated module in generatedDir (a
 * temporary copy when that is not out/clients/<name>, where its go.mod points).
 */
function prepareGoModule(name, module, generatedDir) {
  const sourceDir = join(ROOT, "test", "clients", name);
  if (resolve(generatedDir) === join(ROOT, "out", "clients", name)) return { dir: sourceDir, cleanup: () => {} };
  const tmp = mkdtempSync(join(tmpdir(), `jobs-api-${name}-`));
  cpSync(sourceDir, tmp, { recursive: true });
  run("go", ["mod", "edit", `-replace=${module}=${resolve(generatedDir)}`], { cwd: tmp });
  return { dir: tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
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

/** test/clients/go-server against the server generated in serverDir, with this checkout's spec. */
async function checkGoServer(serverDir) {
  if (!existsSync(serverDir)) {
    console.error(`\ngo-server: nothing generated in ${serverDir}: run npm run clients first`);
    return false;
  }
  const { dir, cleanup } = prepareGoModule("go-server", "openreplay.example.com/jobsapiserver", serverDir);
  try {
    return await runSmoke("go server (oapi-codegen defaults)", "go", ["run", ".", "--spec", join(ROOT, "generated", "openapi.json")], dir);
  } finally {
    cleanup();
  }
}

async function phase(mode, baseUrl, key, project, langs, clientsDir) {
  const results = [];
  for (const lang of langs.filter((l) => l !== "go-server")) {
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
      const { dir, cleanup } = prepareGoModule("go", "openreplay.example.com/jobsapi", clientDir);
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
      sandbox: { type: "boolean" },
      server: { type: "string" },
      key: { type: "string" },
      project: { type: "string" },
      lang: { type: "string" },
      clients: { type: "string" },
    },
  });
  const langs = languagesFrom(args.lang, LANGS);
  if (args.server && (!args.key || !args.project)) throw new Error("--server needs --key and --project");
  const clientsDir = resolve(ROOT, args.clients ?? join("out", "clients"));
  const clientLangs = langs.filter((l) => l !== "go-server");
  const mock = clientLangs.length > 0 && (args.mock || (!args.server && !args["local-server"] && !args.sandbox));
  const results = [];

  if (langs.includes("go-server")) results.push({ name: "go-server", ok: await checkGoServer(join(clientsDir, "go-server")) });

  if (mock) {
    const start = performance.now();
    const prism = await startPrism();
    console.log(`prism mock of openapi.yaml on ${prism.baseUrl} (ready in ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    try {
      results.push(...(await phase("mock", prism.baseUrl, MOCK_KEY, MOCK_PROJECT, langs, clientsDir)));
    } finally {
      await prism.stop();
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
      await server.stop();
    }
  }

  if (args.sandbox) {
    const start = performance.now();
    const sandbox = await startSandbox();
    console.log(`\njobs-api sandbox on ${sandbox.baseUrl} (ready in ${((performance.now() - start) / 1000).toFixed(1)} s)`);
    try {
      results.push(...(await phase("sandbox", sandbox.baseUrl, sandbox.key, sandbox.project, langs, clientsDir)));
    } finally {
      await sandbox.stop();
    }
  }

  const failed = results.filter((r) => !r.ok);
  console.log(`\nclient smoke: ${results.map((r) => `${r.name} ${r.ok ? "ok" : "FAILED"}`).join(", ")}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

await runMain("smoke-clients", main);
