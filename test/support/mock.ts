// Starts the Prism mock (mock/start.mjs, the script behind `npm run mock`) on a free port for a
// test file and stops it again. Usage:
//   const mock = await startMock();   // in beforeAll (allow ~30 s: Prism takes a few seconds)
//   createJobsClient({ baseUrl: mock.url, apiKey: "any" });
//   await mock.close();               // in afterAll
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const READY = /Jobs API mock listening on (http:\/\/\S+)/;

export interface RunningMock {
  /** The mock's base URL, e.g. http://127.0.0.1:39727 (no trailing slash). */
  url: string;
  /** Stops Prism and waits until it has exited. */
  close(): Promise<void>;
}

export interface StartMockOptions {
  /** Extra arguments for `prism mock`, e.g. ["--dynamic"]. */
  args?: string[];
  /** How long to wait for Prism to listen. Default 30 s. */
  timeoutMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export function startMock({ args = [], timeoutMs = 90_000 }: StartMockOptions = {}): Promise<RunningMock> {
  const child = spawn(process.execPath, [join(root, "mock", "start.mjs"), ...args], {
    cwd: root,
    env: { ...process.env, MOCK_HOST: "127.0.0.1", MOCK_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const remember = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
  };
  createInterface({ input: child.stderr }).on("line", remember);

  async function close(): Promise<void> {
    const done = exited(child);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await done;
      clearTimeout(killer);
    }
  }

  return new Promise<RunningMock>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void close().then(() => reject(new Error(`${why}\n--- mock output ---\n${output.join("\n")}`)));
    };
    const onExit = (code: number | null, signal: string | null) => fail(`The Prism mock exited (${signal ?? code}) before listening`);
    const timer = setTimeout(() => fail(`The Prism mock did not listen within ${timeoutMs} ms`), timeoutMs);
    child.once("error", (error) => fail(`The Prism mock could not start: ${error.message}`));
    child.once("exit", onExit);
    // Keep reading stdout after ready, or Prism blocks once the pipe is full of request logs.
    createInterface({ input: child.stdout }).on("line", (line) => {
      remember(line);
      const ready = READY.exec(line);
      if (ready?.[1] && !settled) {
        settled = true;
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve({ url: ready[1].replace(/\/$/, ""), close });
      }
    });
  });
}
