// Child processes for the benchmarks: pinned to a core (taskset), started and stopped by pid,
// and measured from /proc (CPU time, resident memory and its peak).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The core the servers (and their database) run on, and the core of the load generator. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

let pinning: boolean | undefined;
/** Pinning needs two cores and util-linux's taskset; without them processes simply float. */
export function canPin(): boolean {
  if (pinning === undefined) {
    pinning =
      process.env.BENCH_PIN !== "off" &&
      availableParallelism() >= 2 &&
      spawnSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" }).status === 0;
  }
  return pinning;
}

/** Runs `node ARGS` (tsx loaded) on `core` when pinning is possible. */
export function spawnNode(core: number | undefined, args: string[], options: SpawnOptions = {}): ChildProcess {
  const node = [process.execPath, "--import", "tsx", ...args];
  const [command, ...rest] = core !== undefined && canPin() ? ["taskset", "-c", String(core), ...node] : node;
  return spawn(command!, rest, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe", "ipc"], ...options });
}

/** Moves a running process (all its threads) to `core`. */
export function pin(pid: number, core: number): void {
  if (!canPin()) return;
  spawnSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

/**
 * Waits for the child's `{ ready: true, ... }` IPC message. The child's stderr is kept (the last
 * few kilobytes) to explain a failed start; its stdout should be "ignore" (/dev/null).
 */
export function waitReady<T extends object>(child: ChildProcess, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const onExit = (code: number | null, signal: string | null) => fail(new Error(`exited (${code ?? signal}) before it was ready`));
    const timer = setTimeout(() => fail(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T & { ready?: boolean }) => {
      if (!message?.ready) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message);
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      reject(new Error(`${error.message}\n${stderr}`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

/** Ends a child we started (by its pid) and waits for it. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a child to its end; resolves with its exit code and output. */
export function run(
  command: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;

/** CPU time (user + system) a process has used so far, in seconds; children not included. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory now and its peak since start (or since resetPeak), in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Resets the peak resident memory (VmHWM) to the current one; false where Linux does not allow it. */
export function resetPeak(pid: number): boolean {
  const path = `/proc/${pid}/clear_refs`;
  if (!existsSync(path)) return false;
  try {
    writeFileSync(path, "5");
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's resident memory every `everyMs` until stopped; answers the highest seen. */
export function sampleMemory(pid: number, everyMs = 20): { stop(): number } {
  let highest = 0;
  const take = () => {
    try {
      highest = Math.max(highest, memory(pid).rss);
    } catch {
      /* exited */
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return highest;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
