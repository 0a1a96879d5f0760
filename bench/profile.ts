// npm run bench:profile [-- SERVER] [CASE]: a CPU profile (node --cpu-prof) of one bench server under
// the http part's load, and its top frames. SERVER: project (default), prescribed (the stock
// validator), prescribed-patched, fastify, raw-sqlite;
// CASE: get (default) or list. BENCH_PROFILE_SECONDS (10), BENCH_PROFILE_CONFIG (JSON settings of
// the project's server). The main thread's .cpuprofile is kept in out/profiles/ (its path is
// printed): open it in Chrome's DevTools (Performance) or speedscope for the flame graph.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { seed } from "./lib/data.js";
import { LoadGenerator } from "./lib/load.js";
import { ROOT } from "./lib/proc.js";
import { startServerProcess } from "./lib/servers.js";
import { withTempDir } from "./lib/tmp.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time per function, and total (inclusive) time per function, as shares of the busy samples
 * taken from `fromUs` on (V8's clock, microseconds: start-up and warm-up left out); idle time is
 * left out too, so the shares are of the CPU time the server spent.
 */
export function topFrames(
  profile: Profile,
  fromUs = 0,
  count = 25,
): { self: Array<[string, number]>; total: Array<[string, number]>; busyMs: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url
      .replace(/^file:\/\//, "")
      .replace(/^.*node_modules\//, "")
      .replace(/^.*\/(server|bench)\//, "$1/");
    return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    time += dt;
    const leaf = byId.get(id)!;
    if (time < fromUs || leaf.callFrame.functionName === "(idle)") return;
    all += dt;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node !== undefined; node = byId.get(parent.get(node.id) ?? -1)) {
      const name = label(node);
      if (seen.has(name)) continue; // recursion counts once
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + dt);
    }
  });
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, t]) => [name, t / all] as [string, number]);
  return { self: top(self), total: top(total), busyMs: all / 1000 };
}

async function main(): Promise<void> {
  const [serverName = "project", caseName = "get"] = process.argv.slice(2);
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
  let measuredFrom = 0;
  // V8 writes the profiles into the scratch folder (removed at the end); the one read is kept.
  await withTempDir("profile", async (dir) => {
    const profileDir = join(dir, "cpu-profiles");
    const data = await seed(`sqlite:${join(dir, "profile.db")}`, { jobs: 1000, sessions: 10_000 });
    const prof = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
    const config = {
      port: 0,
      host: "127.0.0.1",
      rateLimit: 0,
      runner: false,
      databaseUrl: data.url,
      ...JSON.parse(process.env.BENCH_PROFILE_CONFIG ?? "{}"),
    };
    const server =
      serverName === "fastify"
        ? await startServerProcess("fastify", prof[0]!, [prof[1]!, "bench/servers/fastify.ts", data.url])
        : serverName === "prescribed" || serverName === "prescribed-patched"
          ? await startServerProcess(serverName, prof[0]!, [
              prof[1]!,
              "bench/servers/prescribed.ts",
              data.url,
              serverName === "prescribed" ? "stock" : "patched",
            ])
          : serverName === "raw-sqlite"
            ? await startServerProcess("raw-sqlite", prof[0]!, [prof[1]!, "bench/servers/raw-sqlite.ts", data.url.slice("sqlite:".length)])
            : await startServerProcess("project", prof[0]!, [prof[1]!, "bench/servers/project.ts", JSON.stringify(config)]);
    const load = await LoadGenerator.start();
    try {
      const path =
        caseName === "list"
          ? `/api/v1/${data.projectKey}/jobs?limit=100&after=${data.middleJobId}`
          : `/api/v1/${data.projectKey}/jobs/${data.middleJobId}`;
      const request = { url: server.url + path, connections: 10, headers: { authorization: data.apiKey } };
      await load.runClean({ ...request, seconds: 2 });
      // V8's profile clock is CLOCK_MONOTONIC in microseconds, as process.hrtime is (nanoseconds).
      measuredFrom = Number(process.hrtime.bigint() / 1000n);
      const result = await load.runClean({ ...request, seconds });
      process.stderr.write(`${serverName} ${caseName}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms\n`);
    } finally {
      await load.close();
      await server.stop();
    }
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx's loader
    // runs in a worker thread, which writes a profile of its own).
    const file = readdirSync(profileDir).find((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
    if (file === undefined) throw new Error(`no profile written in ${profileDir}`);
    const kept = join(ROOT, "out", "profiles", `${serverName}-${caseName}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
    mkdirSync(dirname(kept), { recursive: true });
    copyFileSync(join(profileDir, file), kept);
    const { self, total, busyMs } = topFrames(JSON.parse(readFileSync(kept, "utf8")) as Profile, measuredFrom);
    const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
    process.stdout.write(`profile: ${kept}\n${Math.round(busyMs)} ms busy while measured; shares of that\n\nself time:\n`);
    for (const [name, share] of self) process.stdout.write(`  ${pct(share)}  ${name}\n`);
    process.stdout.write(`\ntotal time (the function and what it calls):\n`);
    for (const [name, share] of total) process.stdout.write(`  ${pct(share)}  ${name}\n`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
