// list-all: listJobs without limit on 100,000 jobs: how long the whole answer takes and how much
// the server's resident memory grows meanwhile (its peak, from /proc). Side by side, in
// alternating rounds: response validation on (the default) and off, and the same list fetched as
// pages of limit=1000 by following the Link headers (what a client of a paged API would do).
import { request } from "node:http";
import { join } from "node:path";
import { seed } from "../lib/data.js";
import { memory, resetPeak, sampleMemory } from "../lib/proc.js";
import { engines, postgresWanted, startPostgres } from "../lib/postgres.js";
import { fmt, mb, num, ratio, type Part, type Row } from "../lib/report.js";
import { projectServer, type BenchServer } from "../lib/servers.js";
import { summarize } from "../lib/stats.js";
import { Resources, withTempDir } from "../lib/tmp.js";

export const TARGET_GROWTH_BYTES = 150 * 1024 * 1024;

interface Fetched {
  ms: number;
  bytes: number;
  jobs: number;
}

/** GETs `path` and reads the whole body, counting bytes (not keeping them). */
function get(url: string, apiKey: string): Promise<{ status: number; body: Buffer; link?: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: apiKey } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(parts),
          link: [res.headers.link].flat()[0],
          ms: performance.now() - started,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function fetchAll(server: BenchServer, path: string, apiKey: string, expected: number): Promise<Fetched> {
  const answer = await get(server.url + path, apiKey);
  if (answer.status !== 200) throw new Error(`${server.name}: ${path} answered ${answer.status}`);
  const jobs = (JSON.parse(answer.body.toString("utf8")) as { data: unknown[] }).data.length;
  if (jobs !== expected) throw new Error(`${server.name}: expected ${expected} jobs, got ${jobs}`);
  return { ms: answer.ms, bytes: answer.body.length, jobs };
}

async function fetchPaged(server: BenchServer, path: string, apiKey: string, expected: number): Promise<Fetched> {
  const started = performance.now();
  let next: string | undefined = path;
  let jobs = 0;
  let bytes = 0;
  while (next !== undefined) {
    const answer = await get(server.url + next, apiKey);
    if (answer.status !== 200) throw new Error(`${server.name}: ${next} answered ${answer.status}`);
    jobs += (JSON.parse(answer.body.toString("utf8")) as { data: unknown[] }).data.length;
    bytes += answer.body.length;
    next = answer.link ? /<([^>]+)>;\s*rel="next"/.exec(answer.link)?.[1] : undefined;
  }
  if (jobs !== expected) throw new Error(`${server.name}: expected ${expected} jobs in pages, got ${jobs}`);
  return { ms: performance.now() - started, bytes, jobs };
}

export const listAll: Part = ({ smoke, log }) =>
  withTempDir("list-all", async (dir) => {
    const resources = new Resources();
    try {
      const count = smoke ? 3_000 : Number(process.env.BENCH_LIST_ALL_JOBS ?? 100_000);
      const rounds = smoke ? 1 : Number(process.env.BENCH_LIST_ALL_ROUNDS ?? 3);
      const postgres = postgresWanted() ? resources.add(await startPostgres(), (server) => server.stop()) : undefined;
      const rows: Row[] = [];
      const data: Record<string, unknown> = {};
      for (const engine of engines()) {
        const url = engine === "SQLite" ? `sqlite:${join(dir, "list-all.db")}` : await postgres!.createDatabase("bench_list_all");
        const seeded = await seed(url, { jobs: count });
        log(`${engine}: ${fmt(count)} jobs seeded`);
        const validated = resources.add(await projectServer(`${engine}, responses validated`, { databaseUrl: url }), (s) => s.stop());
        const unvalidated = resources.add(
          await projectServer(`${engine}, responses not validated`, { databaseUrl: url, validateResponses: false }),
          (s) => s.stop(),
        );
        const all = `/api/v1/${seeded.projectKey}/jobs`;
        const paged = `${all}?limit=1000`;
        type Way = { name: string; server: BenchServer; run(): Promise<Fetched> };
        const ways: Way[] = [
          { name: "whole list, responses validated", server: validated, run: () => fetchAll(validated, all, seeded.apiKey, count) },
          { name: "whole list, responses not validated", server: unvalidated, run: () => fetchAll(unvalidated, all, seeded.apiKey, count) },
          {
            name: "pages of limit=1000, responses validated",
            server: validated,
            run: () => fetchPaged(validated, paged, seeded.apiKey, count),
          },
        ];
        // Warm-up: each server answers once before anything is recorded.
        for (const way of ways) await way.run();
        const results = new Map<string, Array<Fetched & { growth: number }>>();
        for (let round = 0; round < rounds; round++) {
          for (let i = 0; i < ways.length; i++) {
            const way = ways[(i + round) % ways.length]!;
            const base = memory(way.server.pid).rss;
            const exact = resetPeak(way.server.pid);
            const sampler = sampleMemory(way.server.pid, 10);
            const fetched = await way.run();
            const sampled = sampler.stop();
            const peak = exact ? Math.max(memory(way.server.pid).peak, sampled) : sampled;
            results.set(way.name, [...(results.get(way.name) ?? []), { ...fetched, growth: peak - base }]);
            log(`  round ${round + 1}/${rounds}, ${engine}, ${way.name}: ${fmt(fetched.ms)} ms, RSS +${mb(peak - base)}`);
          }
        }
        const of = (name: string) => results.get(name)!;
        const whole = of(ways[0]!.name);
        const growth = summarize(whole.map((r) => r.growth));
        rows.push({
          metric: `${engine}: listJobs without limit, ${fmt(count)} jobs (${mb(whole[0]!.bytes)}), responses validated: time`,
          value: num(summarize(whole.map((r) => r.ms)), 0, " ms"),
        });
        rows.push({
          metric: `${engine}: same, server peak RSS growth`,
          value: `${mb(growth.median)} (${mb(growth.min)}–${mb(growth.max)})`,
          target: `< ${mb(TARGET_GROWTH_BYTES)}`,
          met: growth.max < TARGET_GROWTH_BYTES,
        });
        const unval = of(ways[1]!.name);
        rows.push({
          metric: `${engine}: time with response validation / without`,
          value: ratioOf(whole, unval),
        });
        rows.push({
          metric: `${engine}: same without validation, server peak RSS growth`,
          value: mb(summarize(unval.map((r) => r.growth)).median),
        });
        const pages = of(ways[2]!.name);
        rows.push({ metric: `${engine}: time of the whole list / of the same list in pages of 1000`, value: ratioOf(whole, pages) });
        data[engine] = Object.fromEntries(results);
        await validated.stop();
        await unvalidated.stop();
      }
      return {
        part: "list-all",
        title: `listJobs without limit on ${fmt(count)} jobs: time and the server's peak memory`,
        rows,
        notes: [
          "The whole list is streamed: the server reads the jobs in keyset chunks (LIST_ALL_CHUNK in server/http/routes/jobs.ts) and writes each chunk as it comes, with backpressure, so memory does not grow with the list.",
          "With response validation on, every job of the streamed list is validated against the Job schema by a validator compiled once (server/http/json-list-stream.ts); express-openapi-validator validates what goes through res.json, which a streamed answer does not use.",
          `Peak RSS growth = the server's peak resident memory during the request (VmHWM, reset before each request) minus its resident memory just before. ${rounds} rounds, the ways of fetching alternated.`,
        ],
        data: { count, rounds, results: data },
      };
    } finally {
      await resources.closeAll();
    }
  });

function ratioOf(a: Fetched[], b: Fetched[]): string {
  const s = summarize(a.map((x, round) => x.ms / b[round]!.ms));
  return ratio(s);
}
