// Helpers of the reliability tests: real `jobs-api` processes, raw HTTP, and the search of logs
// for secrets. Every wait here is bounded, so a hang fails a test instead of stalling the run.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { ROOT } from "../support/cli.js";

const CLI = fileURLToPath(new URL("../../server/cli/main.ts", import.meta.url));

/** This run's folder for server logs and generated input files (removed when the run ends). */
export function logDir(): string {
  const dir = join(inject("sqliteTestDir"), "reliability");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr), so far. */
  output(): string;
  /** Resolves when the process has exited (at once if it already has). */
  exited(): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL (a crash); resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The environment of a `jobs-api` child: the test's settings, nothing inherited that matters. */
export function serverEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_OPTIONS: process.env.NODE_OPTIONS,
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "debug",
    RATE_LIMIT: "0",
    SHUTDOWN_DRAIN: "0s", // tests that stop a server do not wait for a load balancer
    ...env,
  };
}

/**
 * Starts `jobs-api serve` (server/cli.ts through tsx) and resolves once it listens. Its output
 * goes to `logFile` (in logDir()) and stays readable through output().
 */
export function spawnServe(env: Record<string, string>, logName: string, args: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve", ...args], {
    cwd: ROOT,
    env: serverEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: WriteStream = createWriteStream(join(logDir(), `${logName}.log`), { flags: "a" });
  let text = "";
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    log.write(chunk);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // 'exit' can come before the last output: wait for 'close' (pipes drained) too.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  void exit.then(() => closed).then(() => log.end());

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`jobs-api serve (${logName}) did not listen within 60 s:\n${text}`));
    }, 60_000);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(text);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off("data", check);
      child.stderr.off("data", check);
      resolve({
        url: match[1]!,
        port: Number(match[2]),
        child,
        output: () => text,
        exited: () => closed,
        async stop(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await closed;
        },
      });
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`jobs-api serve (${logName}) exited (${code ?? signal}) before listening:\n${text}`));
    });
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `jobs-api ARGS` to its end (at most timeoutMs), with `input` on standard input. */
export function runJobsApi(args: string[], env: Record<string, string>, input?: string, timeoutMs = 120_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env: serverEnv(env) });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`jobs-api ${args.join(" ")} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** `jobs-api ARGS --json`, which must succeed; its JSON. */
export async function jobsApiJson<T = any>(args: string[], env: Record<string, string>): Promise<T> {
  const run = await runJobsApi([...args, "--json"], env);
  if (run.code !== 0) throw new Error(`jobs-api ${args.join(" ")} failed (${run.code}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
}

/**
 * One HTTP request with node:http (not fetch: fetch normalizes paths such as `/..`, and refuses
 * some headers), sent exactly as given, bounded by timeoutMs.
 */
export function httpRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path,
        // node:http sends a GET or DELETE body without framing unless told its length.
        headers:
          options.body !== undefined && !Object.keys(options.headers ?? {}).some((h) => /^(content-length|transfer-encoding)$/i.test(h))
            ? { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) }
            : options.headers,
        agent: false,
        timeout: options.timeoutMs ?? 15_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, body });
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer to ${options.method ?? "GET"} ${path.slice(0, 100)} in time`)));
    request.on("error", reject);
    request.end(options.body);
  });
}

export interface RawAnswer {
  /** Everything the server sent before it closed the connection. */
  text: string;
  status: number;
  body: any;
  /** Whether the server closed the connection (rather than the test giving up). */
  closed: boolean;
}

/**
 * Sends raw bytes on a TCP connection (`parts` one after the other, `gapMs` apart) and collects
 * what comes back until the server closes the connection, or timeoutMs.
 */
export function rawHttp(
  port: number,
  parts: Array<string | Buffer>,
  options: { gapMs?: number; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let closed = false;
    let gaveUp = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      timers.forEach(clearTimeout);
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.split("\r\n\r\n").slice(1).join("\r\n\r\n");
      let body: unknown;
      try {
        body = bodyText ? JSON.parse(bodyText) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ text, status, body, closed });
    };
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
    );
    socket.on("close", () => {
      closed = !gaveUp;
      finish();
    });
    socket.on("connect", () => {
      parts.forEach((part, index) => {
        timers.push(setTimeout(() => socket.writable && socket.write(part), index * (options.gapMs ?? 0)));
      });
    });
    timers.push(
      setTimeout(() => {
        gaveUp = true;
        socket.destroy();
      }, options.timeoutMs ?? 15_000),
    );
  });
}

/** Waits until `check` answers a value other than undefined, polling; fails after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The forms in which a key could leak into a log: as sent, percent-encoded, and in JSON. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

/** Every key of `keys` that occurs in `text`, in any of its forms (empty when none does). */
export function leakedKeys(text: string, keys: Iterable<string>): string[] {
  return [...new Set(keys)].filter((key) => secretForms(key).some((form) => text.includes(form)));
}

/** Parses pino's JSON lines out of mixed output (other lines are ignored). */
export function jsonLines(text: string): Array<Record<string, any>> {
  const lines: Array<Record<string, any>> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // a line cut by a SIGKILL
    }
  }
  return lines;
}
