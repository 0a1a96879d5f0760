// `jobs-api sessions import` in small memory, whatever the input: a 100 MB userId and a 200 MB
// line without a line break are refused at line 1 (a line is at most MAX_LINE_BYTES), and the
// process's peak memory stays far below the input's size. Before the cap, the first crashed (heap
// out of memory, 2.3 GB) and the second took 1.25 GB. The input is generated as it is written to
// the child's standard input, and its peak resident memory is what the child reports at exit.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MAX_LINE_BYTES } from "../../server/cli/import-lines.js";
import { ROOT } from "../support/cli.js";
import { logDir, serverEnv } from "../reliability/support.js";

const CLI = fileURLToPath(new URL("../../server/cli/main.ts", import.meta.url));
const REPORT_MAXRSS = fileURLToPath(new URL("../../bench/lib/report-maxrss.mjs", import.meta.url));

/** Generous: the process itself (Node, tsx, the store) takes about 150 MB; the inputs are 100 and 200 MB. */
const RSS_BOUND = 400 * 1024 * 1024;

interface ImportRun {
  code: number | null;
  stderr: string;
  maxRssBytes: number;
  /** Bytes of the input written before the child ended. */
  written: number;
}

/** Runs `jobs-api sessions import -`, writing `head`, then `size` bytes of "a", then `tail`, as long as it reads. */
function importGenerated(head: string, size: number, tail: string): Promise<ImportRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", REPORT_MAXRSS, CLI, "sessions", "import", "-"], {
      cwd: ROOT,
      env: serverEnv({ DATABASE_URL: `sqlite:${join(logDir(), `memory-${Date.now()}-${Math.random()}.db`)}` }),
      stdio: ["pipe", "ignore", "pipe"],
    });
    let stderr = "";
    let written = 0;
    let ended = false;
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.on("error", () => undefined); // EPIPE once the child has stopped reading
    const megabyte = Buffer.alloc(1 << 20, 0x61);
    let body = 0;
    child.stdin.write(head);
    written += head.length;
    const write = () => {
      while (!ended && body < size) {
        const piece = megabyte.subarray(0, Math.min(megabyte.length, size - body));
        body += piece.length;
        written += piece.length;
        if (!child.stdin.write(piece)) return void child.stdin.once("drain", write);
      }
      if (!ended) child.stdin.end(tail);
    };
    child.on("error", reject);
    child.on("close", (code) => {
      ended = true;
      const report = /\{"benchMaxRssBytes":(\d+)\}/.exec(stderr);
      if (report === null) return reject(new Error(`no peak memory reported; stderr:\n${stderr.slice(0, 2000)}`));
      resolve({ code, stderr, maxRssBytes: Number(report[1]), written });
    });
    write();
  });
}

describe("jobs-api sessions import in small memory", () => {
  it("refuses a line with a 100 MB userId at line 1", { timeout: 180_000 }, async () => {
    const run = await importGenerated('{"sessionId":"s1","projectKey":"p","userId":"', 100 * 1024 * 1024, '","startedAt":1}\n');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`jobs-api: import failed at line 1: the line is longer than ${MAX_LINE_BYTES} bytes`);
    expect(run.stderr).toContain("nothing was imported");
    expect(run.maxRssBytes).toBeLessThan(RSS_BOUND);
  });

  it("refuses a 200 MB line without a line break at line 1", { timeout: 180_000 }, async () => {
    const run = await importGenerated('{"sessionId":"', 200 * 1024 * 1024, "");
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`jobs-api: import failed at line 1: the line is longer than ${MAX_LINE_BYTES} bytes`);
    expect(run.maxRssBytes).toBeLessThan(RSS_BOUND);
  });
});
