// Runs the real `jobs-api` command (server/cli.ts through tsx) as a child process.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = fileURLToPath(new URL("../../server/cli/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: "warn", SHUTDOWN_DRAIN: "0s", ...env };
}

export function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env: cliEnv(env) });
}

/** A child process's exit code and everything it printed, once it has ended. */
export function outputOf(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `jobs-api ARGS` to its end, optionally feeding `input` on standard input. */
export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  const child = spawnCli(args, env);
  const output = outputOf(child);
  child.stdin!.end(input ?? "");
  return output;
}

/** Waits until the child's standard error (or output) matches `pattern`; returns the match. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 90_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stderr!.off("data", onData);
        child.stdout!.off("data", onData);
        resolve(match);
      }
    };
    child.stderr!.on("data", onData);
    child.stdout!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before printing ${pattern}; output:\n${seen}`));
    });
  });
}

/** Runs another TypeScript command of the repository (`path` from the root, through tsx) to its end. */
export function runTsCommand(path: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return outputOf(
    spawn(process.execPath, ["--import", "tsx", path, ...args], { cwd: ROOT, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] }),
  );
}
