// Server processes for the HTTP comparisons: each on the servers' core, started once, measured
// many times (the CPU time it used during a measurement comes from /proc).
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { SERVER_CORE, pin, spawnNode, stop, waitReady } from "./proc.js";

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node --import tsx SCRIPT ARGS` on the servers' core and waits for its ready message. */
export async function startServerProcess(
  name: string,
  script: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
  onStdoutLine?: (line: string) => void,
): Promise<BenchServer> {
  // Started on any core (start-up compiles a lot: several servers start faster side by side) and
  // moved, every thread, to the servers' core once ready, before anything is measured.
  const child = spawnNode(undefined, [script, ...args], {
    ...(env && { env: { ...process.env, ...env } }),
    ...(onStdoutLine && { stdio: ["ignore", "pipe", "pipe", "ipc"] }),
  });
  if (onStdoutLine) createInterface({ input: child.stdout! }).on("line", onStdoutLine);
  const ready = await waitReady<{ url: string }>(child);
  pin(child.pid!, SERVER_CORE);
  return { name, url: ready.url, pid: child.pid!, child, stop: () => stop(child) };
}

export function rawServer(bodiesFile: string): Promise<BenchServer> {
  return startServerProcess("raw node:http", "bench/servers/raw.ts", [bodiesFile]);
}

/** The database-backed limit: node:http + better-sqlite3 prepared statements over the SQLite file at `path`. */
export function rawSqliteServer(path: string): Promise<BenchServer> {
  return startServerProcess("raw node:http + SQLite", "bench/servers/raw-sqlite.ts", [path]);
}

export function fastifyServer(databaseUrl: string): Promise<BenchServer> {
  return startServerProcess("fastify", "bench/servers/fastify.ts", [databaseUrl]);
}

/**
 * The prescribed stack (bench/servers/prescribed.ts): Express 5 with the prototype fix and
 * express-openapi-validator, stock (as published) or with the project's patch, over the project's store.
 */
export function prescribedServer(databaseUrl: string, validator: "stock" | "patched"): Promise<BenchServer> {
  return startServerProcess(`prescribed stack, ${validator} validator`, "bench/servers/prescribed.ts", [databaseUrl, validator]);
}

/** The project's server (startServer); its logs (stdout) go to /dev/null unless `onLogLine` takes them. */
export function projectServer(name: string, config: Record<string, unknown>, onLogLine?: (line: string) => void): Promise<BenchServer> {
  return startServerProcess(name, "bench/servers/project.ts", [JSON.stringify({ runner: false, ...config })], undefined, onLogLine);
}

/** Starts servers side by side; if any fails, stops the others and throws its error. */
export async function startAll(starting: Array<Promise<BenchServer>>): Promise<BenchServer[]> {
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) {
    for (const outcome of settled) if (outcome.status === "fulfilled") await outcome.value.stop();
    throw failed.reason;
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<BenchServer>).value);
}
