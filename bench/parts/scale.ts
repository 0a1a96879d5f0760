// scale: GET of one job and one limit=100 page, on a database of 1,000 jobs and 1,000 sessions
// against one of 1,000,000 of each, side by side, on SQLite and on PostgreSQL. The ratio
// (requests per second on the small table / on the large one) shows whether a request's cost
// grows with the table: 1.0 = it does not.
import { join } from "node:path";
import { compare, warmup, type Case } from "../lib/compare.js";
import { seed, type Seeded } from "../lib/data.js";
import { LoadGenerator } from "../lib/load.js";
import { engines, postgresWanted, startPostgres, type Engine } from "../lib/postgres.js";
import { fmt, num, ratio, type Part, type Row } from "../lib/report.js";
import { projectServer, startAll, type BenchServer } from "../lib/servers.js";
import { Resources, withTempDir } from "../lib/tmp.js";

export const TARGET_GROWTH = 1.3;

export const scale: Part = ({ smoke, log }) =>
  withTempDir("scale", async (dir) => {
    const resources = new Resources();
    try {
      const small = smoke ? 200 : 1_000;
      const large = smoke ? 2_000 : Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000);
      const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 5);
      const seconds = smoke ? 0.3 : Number(process.env.BENCH_SECONDS ?? 4);
      const connections = 10;
      const postgres = postgresWanted() ? resources.add(await startPostgres(), (server) => server.stop()) : undefined;
      const all: Array<{ engine: Engine; url(size: string): Promise<string> }> = [
        { engine: "SQLite", url: async (size) => `sqlite:${join(dir, `${size}.db`)}` },
        { engine: "PostgreSQL", url: (size) => postgres!.createDatabase(`bench_scale_${size}`) },
      ];
      const databases = all.filter((database) => engines().includes(database.engine));
      const load = resources.add(await LoadGenerator.start(), (l) => l.close());
      const rows: Row[] = [];
      const data: Record<string, unknown> = {};
      for (const database of databases) {
        const seeded: Seeded[] = [];
        for (const [size, count] of [
          ["small", small],
          ["large", large],
        ] as const) {
          const started = performance.now();
          seeded.push(await seed(await database.url(size), { jobs: count, sessions: count, sessionUsers: Math.max(10, count / 1000) }));
          log(
            `${database.engine}: ${fmt(count)} jobs and ${fmt(count)} sessions seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
        }
        const [s, l] = seeded as [Seeded, Seeded];
        // Both tenants were created the same way, so their keys differ but paths may be shared:
        // same project key, and the middle job and page are at the same relative place.
        const servers = await startAll([
          projectServer(`${database.engine} ${fmt(small)} rows`, { databaseUrl: s.url }),
          projectServer(`${database.engine} ${fmt(large)} rows`, { databaseUrl: l.url }),
        ]);
        for (const server of servers) resources.add(server, (started) => started.stop());
        const dataOf = new Map(servers.map((server, index) => [server, seeded[index]!]));
        const cases: Case[] = [
          { name: "GET job", path: (server) => `/api/v1/${dataOf.get(server)!.projectKey}/jobs/${dataOf.get(server)!.middleJobId}` },
          {
            name: "listJobs limit=100",
            path: (server) => `/api/v1/${dataOf.get(server)!.projectKey}/jobs?limit=100&after=${dataOf.get(server)!.middleJobId}`,
          },
        ];
        const headers = (server: BenchServer) => ({ authorization: dataOf.get(server)!.apiKey });
        const result = await compare({ load, servers, cases, rounds, seconds, connections, headers, log, ...warmup(smoke, 2) });
        const [smallServer, largeServer] = servers as [BenchServer, BenchServer];
        for (const kase of cases) {
          const growth = result.ratio(smallServer, largeServer, kase);
          const cpuGrowth = result.cpuRatio(smallServer, largeServer, kase);
          const smallRps = result.summary(smallServer, kase, (m) => m.rps);
          const largeRps = result.summary(largeServer, kase, (m) => m.rps);
          rows.push({
            metric: `${database.engine}, ${kase.name}: cost at ${fmt(large)} rows / at ${fmt(small)} (throughput)`,
            value: ratio(growth),
            target: `≤ ${TARGET_GROWTH}×`,
            met: growth.median <= TARGET_GROWTH,
          });
          rows.push({
            metric: `${database.engine}, ${kase.name}: same, in server CPU per request`,
            value: ratio(cpuGrowth),
          });
          rows.push({
            metric: `${database.engine}, ${kase.name}: req/s at ${fmt(small)} / at ${fmt(large)} rows`,
            value: `${num(smallRps)} / ${num(largeRps)}`,
          });
        }
        data[database.engine] = result.toJSON();
        for (const server of servers) await server.stop();
      }
      return {
        part: "scale",
        title: `GET job and a limit=100 page at ${fmt(small)} and at ${fmt(large)} jobs (and sessions)`,
        rows,
        notes: [
          `The project's server as deployed (request and response validation, logging at info). Each database holds ${fmt(small)} or ${fmt(large)} jobs in the benchmark project and as many sessions; the job read and the page (after the middle job) are in the middle of the table.`,
          `PostgreSQL (embedded, default durability settings) runs on the server's core; ${rounds} rounds of ${seconds} s per server and case, ${connections} connections.`,
        ],
        data: { small, large, rounds, seconds, results: data },
      };
    } finally {
      await resources.closeAll();
    }
  });
