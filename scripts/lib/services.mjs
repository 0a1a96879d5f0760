// What the scripts that exercise the generated clients share (scripts/smoke-clients.mjs,
// scripts/run-samples.mjs): the Prism mock and this checkout's server on free ports, and the
// Python virtual environment with the generated client installed.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { freePort } from "./ports.mjs";
import { ROOT, run } from "./tools.mjs";

/** The project key of the spec's examples; the mock answers any project key. */
export const MOCK_PROJECT = "3sWXSsqHgSKnE87YkNJK";
/** The mock checks only that an Authorization header is present. */
export const MOCK_KEY = "smoke-test-key";
export const VENV = join(ROOT, ".venv");

/** How to stop the services started here (and remove what they used): run on SIGINT/SIGTERM too. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(130));
  });
}

/**
 * Every file under dir (sorted), hashed: tells whether the generated package changed. What pip
 * leaves in the source folder when it installs it (build/, *.egg-info/) is not part of it.
 */
function treeHash(dir) {
  const hash = createHash("sha256");
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (d === dir && (name === "build" || name.endsWith(".egg-info"))) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(relative(dir, p)).update("\0").update(readFileSync(p)).update("\0");
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/**
 * The Python of .venv/ (created with `python3 -m venv` on first use) with the generated client in
 * clientDir installed, with its pinned dependencies (test/clients/python/constraints.txt); it is
 * installed again only when the generated code or the pins change.
 */
export function preparePython(clientDir) {
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
  run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--force-reinstall", "-c", constraints, clientDir], {
    quiet: true,
  });
  writeFileSync(stampFile, stamp);
  console.log(`Python client installed in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return python;
}

/**
 * Spawns a long-running child in its own process group; stop() ends that group (by its id) and
 * resolves once the child has exited.
 */
function spawnService(cmd, args, env) {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const service = { log: "", exited: false, stop: async () => {} };
  child.stdout.on("data", (d) => (service.log += d));
  child.stderr.on("data", (d) => (service.log += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.on("exit", () => (service.exited = true));
  running.add(() => service.stop());
  service.stop = async () => {
    if (service.exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return; // already gone
    }
    await exited;
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
  await service.stop();
  throw new Error(`${name} did not answer on ${baseUrl} within 60 s:\n${service.log}`);
}

/** The Prism mock of openapi.yaml (mock/start.mjs, as `npm run mock`) on a free 127.0.0.1 port. */
export async function startPrism() {
  const port = await freePort();
  const service = spawnService(process.execPath, [join(ROOT, "mock", "start.mjs")], {
    MOCK_HOST: "127.0.0.1",
    MOCK_PORT: String(port),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  // Prism answers 401 without Authorization, so readiness is an authenticated 200.
  await waitReady("prism mock", service, baseUrl, MOCK_PROJECT, MOCK_KEY);
  return { baseUrl, stop: service.stop };
}

/**
 * This checkout's server (tsx server/cli/main.ts serve) on a temporary SQLite database seeded with
 * `jobs-api demo`, on a free 127.0.0.1 port. New jobs start an hour after they are created, so the
 * job runner never finishes one while a caller still means to cancel it.
 */
export async function startLocalServer() {
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const cli = join(ROOT, "server", "cli", "main.ts");
  const tmp = mkdtempSync(join(tmpdir(), "jobs-api-smoke-server-"));
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true });
  // No SHUTDOWN_DRAIN: nothing routes traffic to this server, so it stops at once when asked.
  const env = { DATABASE_URL: `sqlite:${join(tmp, "jobs.db")}`, JOBS_START_DELAY: "1h", LOG_LEVEL: "warn", SHUTDOWN_DRAIN: "0s" };
  let service;
  // Its database goes once the server has exited: at stop(), or on SIGINT/SIGTERM.
  const stop = async () => {
    await service?.stop();
    removeTmp();
  };
  running.add(stop);
  try {
    const demo = JSON.parse(run(tsx, [cli, "demo", "--json"], { env, quiet: true }));
    if (!demo.apiKey || !demo.projectKey) throw new Error(`jobs-api demo --json printed no apiKey/projectKey`);
    const port = await freePort();
    service = spawnService(tsx, [cli, "serve"], { ...env, PORT: String(port), HOST: "127.0.0.1" });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitReady("jobs-api serve", service, baseUrl, demo.projectKey, demo.apiKey);
    return { baseUrl, key: demo.apiKey, project: demo.projectKey, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * This checkout's `jobs-api sandbox` (test mode: Prefer answers and scripted userIds) on a free
 * 127.0.0.1 port; any key works, the project is the demo's.
 */
export async function startSandbox() {
  const tsx = join(ROOT, "node_modules", ".bin", "tsx");
  const port = await freePort();
  const service = spawnService(tsx, [join(ROOT, "server", "cli", "main.ts"), "sandbox"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const key = "any-key";
  await waitReady("jobs-api sandbox", service, baseUrl, MOCK_PROJECT, key);
  return { baseUrl, key, project: MOCK_PROJECT, stop: service.stop };
}
