// `npm start` (`jobs-api serve --demo`) as a newcomer meets it: run for real in an empty folder,
// DATABASE_URL unset, its standard output and standard error into one file as a terminal shows
// them. The banner is the README's sample (the same words; only the port, the folder and the key
// differ), written in one piece after the start-up log lines; and a person who runs the printed
// lines, polling the last one every 2 s, sees the new job `scheduled`, `running`, then
// `completed`: on the first start, and on a later start of the same database.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/cli.js";

const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const CLI = join(ROOT, "server", "cli", "main.ts");
/** How often the person of the README polls. */
const POLL_EVERY_MS = 2_000;

interface Started {
  child: ChildProcess;
  /** Everything printed so far, in the order written. */
  output(): string;
  stop(): Promise<number | null>;
}

const folders: string[] = [];
const running: Started[] = [];
afterAll(async () => {
  for (const started of running) await started.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** `jobs-api serve --demo` in `cwd`, as `npm start` runs it, both outputs into one file. */
function start(cwd: string, env: Record<string, string> = {}): Started {
  const file = join(cwd, `output-${running.length}.txt`);
  const fd = openSync(file, "w");
  const environment: NodeJS.ProcessEnv = { ...process.env, PORT: "0", LOG_LEVEL: "info", SHUTDOWN_DRAIN: "0s", ...env };
  delete environment.DATABASE_URL;
  for (const name of ["JOBS_START_DELAY", "JOBS_POLL_INTERVAL", "JOBS_BATCH_SIZE", "JOBS_PACE", "LOG_FORMAT"]) {
    if (!(name in env)) delete environment[name];
  }
  const child = spawn(process.execPath, [TSX, CLI, "serve", "--demo"], { cwd, env: environment, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started: Started = {
    child,
    output: () => readFileSync(file, "utf8"),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  running.push(started);
  return started;
}

/** Polls `check` every 100 ms until it gives a value, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The banner, from its first line to the last curl line, once it is all printed. */
function bannerOf(output: string): string | undefined {
  const from = output.indexOf("jobs-api listening on ");
  const last = /^ {2}curl -s '[^\n]*\?after=[^\n]*\n/m.exec(output.slice(Math.max(from, 0)));
  return from < 0 || !last ? undefined : output.slice(from, from + last.index + last[0].length);
}

/** The README's sample banner: the fenced block after "`npm start` prints". */
function readmeBanner(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /`npm start` prints[\s\S]*?\n```\n([\s\S]*?)```\n/.exec(readme);
  if (!block) throw new Error("README.md: no sample banner after '`npm start` prints'");
  return block[1]!;
}

/** Runs a printed curl line (`curl -s [-X METHOD] URL -H 'Authorization: KEY'`) with fetch. */
async function curl(line: string): Promise<{ status: number; body: any }> {
  const match = /curl -s (?:-X (\w+) )?'?(http:\/\/[^\s']+)'? -H 'Authorization: (\S+)'/.exec(line);
  if (!match) throw new Error(`not a curl line: ${line}`);
  const answer = await fetch(match[2]!, { method: match[1] ?? "GET", headers: { Authorization: match[3]! } });
  return { status: answer.status, body: await answer.json() };
}

/**
 * What the README's person does: the DELETE line, then the last line every 2 s (on a fixed
 * cadence, whatever an answer takes) until the new job is completed. Returns the statuses seen.
 */
async function followTheNewJob(banner: string): Promise<string[]> {
  const lines = banner.split("\n").filter((line) => line.trim().startsWith("curl "));
  const created = await curl(lines[1]!);
  expect(created.status).toBe(200);
  expect(created.body.data).toMatchObject({ status: "scheduled", referenceId: "ana@example.com" });
  const jobId = created.body.data.jobId as number;
  const seen: string[] = [];
  const deadline = Date.now() + 120_000;
  for (let poll = 1; ; poll++) {
    const since = await curl(lines[2]!);
    expect(since.status).toBe(200);
    const job = (since.body.data as Array<{ jobId: number; status: string }>).find((j) => j.jobId === jobId);
    seen.push(job?.status ?? "absent");
    if (job?.status === "completed" || Date.now() > deadline) return seen;
    const next = created.body.data.createdAt + poll * POLL_EVERY_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
}

describe("npm start (jobs-api serve --demo) in an empty folder", () => {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), "npm-start-")));
  folders.push(folder);

  it("prints the README's banner in one piece, after the start-up log lines; polled every 2 s, the new job is seen running", async () => {
    const first = start(folder);
    const banner = await until("the banner", () => bannerOf(first.output()));
    const output = first.output();
    // Every start-up log line (the migrations, the runner's start) comes before the banner.
    const before = output.slice(0, output.indexOf(banner));
    for (const message of ["0001_initial", "0004_epoch_millis_in_range", "runner started"]) expect(before).toContain(message);
    expect(banner.split("\n").filter((line) => line.startsWith("{"))).toEqual([]);
    // The README's words: only the port, the folder and the key differ.
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(banner)![1]!;
    const key = /\): (ork_\S+)\n/.exec(banner)![1]!;
    const normalized = banner.replaceAll(`127.0.0.1:${port}`, "127.0.0.1:3000").replaceAll(folder, "/…").replaceAll(key, "ork_…");
    expect(normalized).toBe(readmeBanner());

    const seen = await followTheNewJob(banner);
    expect(seen.at(-1)).toBe("completed");
    expect(seen).toContain("running");
    expect(seen[0]).toBe("scheduled");
    expect(await first.stop()).toBe(0);
  }, 240_000);

  it("started again on the same database, gives the user of the printed lines her sessions back: the new job is seen running", async () => {
    // A shorter wait before the job starts: the pace, what makes `running` visible, is the demo's.
    const again = start(folder, { JOBS_START_DELAY: "1s" });
    const banner = await until("the banner", () => bannerOf(again.output()));
    expect(banner).toContain("(from data/jobs-api.db.demo-credentials.json)");
    const seen = await followTheNewJob(banner);
    expect(seen.at(-1)).toBe("completed");
    expect(seen).toContain("running");
    expect(await again.stop()).toBe(0);
  }, 240_000);
});
