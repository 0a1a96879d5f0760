// npm run bench:instructions [-- SERVER ...]: machine instructions per GET job request, counted
// by Valgrind's callgrind, for the project's server against the prescribed stack (default:
// project and prescribed; also prescribed-patched). A count of instructions does not depend on
// what else the machine runs, so two builds can be compared on a shared machine where the http
// part's requests a second move by up to a tenth between runs. It is not time: system calls (the
// socket's writes) are not counted, and V8 runs single-threaded (--single-threaded: no background
// compilation or GC threads, whose share would vary from run to run).
// BENCH_INSTRUCTIONS_WARMUP (2000) requests first, then BENCH_INSTRUCTIONS_REQUESTS (2000) counted;
// BENCH_INSTRUCTIONS_CASE=list counts listJobs limit=100 instead of GET job.
// Needs valgrind (apt-get install valgrind); about two minutes a server, the servers side by side.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { seed } from "./lib/data.js";
import { ROOT, waitReady } from "./lib/proc.js";
import { withTempDir } from "./lib/tmp.js";

const SERVERS: Record<string, (databaseUrl: string) => string[]> = {
  project: (url) => ["bench/servers/project.ts", JSON.stringify({ runner: false, databaseUrl: url, validateResponses: true })],
  prescribed: (url) => ["bench/servers/prescribed.ts", url, "stock"],
  "prescribed-patched": (url) => ["bench/servers/prescribed.ts", url, "patched"],
};

/**
 * Sends `count` GETs over `connections` keep-alive connections; every answer must be 200. Not the
 * bench's load generator: its 30 s timeout per request failed the first, slow requests of a
 * server just started under Valgrind on a loaded machine.
 */
async function send(url: string, headers: Record<string, string>, count: number, connections = 4): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent, headers }, (response) => {
          response.resume();
          response.on("end", () => (response.statusCode === 200 ? resolve() : reject(new Error(`answered ${response.statusCode}`))));
        })
        .on("error", reject);
    });
  let sent = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (sent++ < count) await one();
    }),
  );
  agent.destroy();
}

export interface InstructionOptions {
  /** GET job (default) or a listJobs page of 100. */
  case?: "get" | "list";
  /** Requests sent before counting (JIT warm-up). */
  warmup: number;
  /** Requests counted. */
  requests: number;
}

/** Instructions per request of one server, run under callgrind. */
async function count(
  name: string,
  dir: string,
  databaseUrl: string,
  path: string,
  headers: Record<string, string>,
  options: InstructionOptions,
): Promise<number> {
  const out = join(dir, `callgrind-${name}`);
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      `--callgrind-out-file=${out}.%p`,
      "--smc-check=all-non-file",
      process.execPath,
      "--single-threaded",
      "--import",
      "tsx",
      ...SERVERS[name]!(databaseUrl),
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe", "ipc"] },
  );
  try {
    const { url } = await waitReady<{ url: string }>(child, 600_000);
    const control = (flag: string) => {
      const result = spawnSync("callgrind_control", [flag, String(child.pid)], { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`callgrind_control ${flag} failed: ${result.stderr || result.stdout}`);
    };
    await send(url + path, headers, options.warmup);
    control("-z"); // counts from here
    await send(url + path, headers, options.requests);
    control("-d");
    const dumps = readdirSync(dir).filter((file) => file.startsWith(`callgrind-${name}.`) && /\.\d+$/.test(file));
    const total = dumps.reduce((sum, file) => sum + Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, file), "utf8"))?.[1] ?? 0), 0);
    if (total === 0) throw new Error(`callgrind wrote no count for ${name}`);
    return total / options.requests;
  } finally {
    child.kill("SIGKILL");
  }
}

export function hasValgrind(): boolean {
  return (
    spawnSync("valgrind", ["--version"], { stdio: "ignore" }).status === 0 &&
    spawnSync("callgrind_control", ["-h"], { stdio: "ignore" }).status === 0
  );
}

/** Instructions per request (GET job, or a listJobs page) of each named server, counted side by side. */
export async function instructionsPerRequest(names: string[], options: InstructionOptions): Promise<Record<string, number>> {
  for (const name of names) if (!(name in SERVERS)) throw new Error(`no server ${name}; one of ${Object.keys(SERVERS).join(", ")}`);
  return withTempDir("instructions", async (dir) => {
    const data = await seed(`sqlite:${join(dir, "instructions.db")}`, { jobs: 1000, sessions: 1000 });
    const path =
      options.case === "list"
        ? `/api/v1/${data.projectKey}/jobs?limit=100&after=${data.middleJobId}`
        : `/api/v1/${data.projectKey}/jobs/${data.middleJobId}`;
    const counts = await Promise.all(names.map((name) => count(name, dir, data.url, path, { authorization: data.apiKey }, options)));
    return Object.fromEntries(names.map((name, i) => [name, counts[i]!]));
  });
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["project", "prescribed"];
  if (!hasValgrind()) {
    process.stderr.write("bench:instructions needs valgrind (apt-get install valgrind)\n");
    process.exit(2);
  }
  const kase = process.env.BENCH_INSTRUCTIONS_CASE === "list" ? "list" : "get";
  const counts = await instructionsPerRequest(names, {
    case: kase,
    warmup: Number(process.env.BENCH_INSTRUCTIONS_WARMUP ?? 2000),
    requests: Number(process.env.BENCH_INSTRUCTIONS_REQUESTS ?? 2000),
  });
  const thousands = (n: number) => `${Math.round(n / 1000).toLocaleString("en")}k`;
  process.stdout.write(
    `${kase === "list" ? "listJobs limit=100" : "GET job"}, instructions per request (callgrind, node --single-threaded):\n`,
  );
  for (const name of names) process.stdout.write(`  ${name.padEnd(20)} ${thousands(counts[name]!)}\n`);
  if (counts.project !== undefined) {
    for (const name of names)
      if (name !== "project") process.stdout.write(`  ${name} / project: ${(counts[name]! / counts.project).toFixed(2)}×\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:instructions failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
