// http: the project's server as deployed (request and response validation, logs at info)
// answering GET of one job from the database and a listJobs page of 100, against its baseline,
// the prescribed stack (Express 5 with the prototype fix + express-openapi-validator as published,
// with the same store calls and no project code), the same stack with the project's patch of the
// validator, two limits and one alternative: raw node:http serving the same JSON from memory (the
// HTTP limit), raw node:http doing the same database work with better-sqlite3 prepared statements
// (the database-backed limit), and fastify with the same JSON schemas over the same store (what a
// user might pick instead). Every figure is a ratio measured in the same round.
// BENCH_HTTP_VARIANTS=all adds (a), the project's server with response validation off.
import { writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { compare, warmup, type Case } from "../lib/compare.js";
import { seed } from "../lib/data.js";
import { LoadGenerator } from "../lib/load.js";
import { canPin } from "../lib/proc.js";
import { fmt, num, ratio, type Part, type Row } from "../lib/report.js";
import { fastifyServer, prescribedServer, projectServer, rawServer, rawSqliteServer, startAll, type BenchServer } from "../lib/servers.js";
import { summarize } from "../lib/stats.js";
import { Resources, withTempDir } from "../lib/tmp.js";

export const TARGETS = {
  vsPrescribed: 0.8,
  p99OverPrescribedMs: 1,
  vsDbLimit: 0.6,
  vsRaw: 0.25,
  p99Ms: 2,
  listVsDbLimit: 0.6,
  vsFastify: 1.0,
};

export const http: Part = ({ smoke, log }) =>
  withTempDir("http", async (dir) => {
    const resources = new Resources();
    try {
      const rounds = smoke ? 1 : Number(process.env.BENCH_ROUNDS ?? 6);
      const seconds = smoke ? 0.3 : Number(process.env.BENCH_SECONDS ?? 5);
      const connections = 10;
      log(`seeding ${smoke ? 300 : 1000} jobs (SQLite)`);
      const data = await seed(`sqlite:${join(dir, "http.db")}`, { jobs: smoke ? 300 : 1000, sessions: smoke ? 100 : 10_000 });
      const headers = { authorization: data.apiKey };
      const cases: Array<Case & { path: string }> = [
        { name: "GET job", path: `/api/v1/${data.projectKey}/jobs/${data.middleJobId}` },
        { name: "listJobs limit=100", path: `/api/v1/${data.projectKey}/jobs?limit=100&after=${data.middleJobId}` },
      ];

      const stop = (server: BenchServer) => server.stop();
      const all = process.env.BENCH_HTTP_VARIANTS === "all";
      const started = await startAll([
        projectServer("project", { databaseUrl: data.url, validateResponses: true }),
        prescribedServer(data.url, "stock"),
        prescribedServer(data.url, "patched"),
        fastifyServer(data.url),
        rawSqliteServer(data.url.slice("sqlite:".length)),
        ...(all ? [projectServer("project (a) response validation off", { databaseUrl: data.url, validateResponses: false })] : []),
      ]);
      for (const server of started) resources.add(server, stop);
      const [project, stock, patched, fastify, dbLimit, a] = started as [
        BenchServer,
        BenchServer,
        BenchServer,
        BenchServer,
        BenchServer,
        BenchServer | undefined,
      ];
      // The HTTP limit serves exactly what the project's server answers.
      const bodies: Record<string, unknown> = {};
      for (const kase of cases) bodies[kase.path] = await (await fetch(project.url + kase.path, { headers })).json();
      const bodiesFile = join(dir, "bodies.json");
      writeFileSync(bodiesFile, JSON.stringify(bodies));
      const raw = resources.add(await rawServer(bodiesFile), stop);
      const servers = [raw, dbLimit, stock, patched, fastify, project, ...(a ? [a] : [])];
      for (const server of servers) {
        for (const kase of cases) {
          const response = await fetch(server.url + kase.path, { headers });
          const body = await response.json();
          if (response.status !== 200 || !isDeepStrictEqual(body, bodies[kase.path])) {
            throw new Error(`${server.name} answers ${kase.path} differently (status ${response.status})`);
          }
        }
      }

      const load = resources.add(await LoadGenerator.start(), (l) => l.close());
      log(
        `${rounds} rounds of ${seconds} s per server and case, ${connections} connections${canPin() ? ", server and load generator pinned to separate cores" : " (NOT pinned)"}`,
      );
      const result = await compare({ load, servers, cases, rounds, seconds, connections, headers, log, ...warmup(smoke, 3) });

      const rows: Row[] = [];
      const [get, list] = cases as [Case, Case];
      const targetRow = (metric: string, value: ReturnType<typeof result.ratio>, min: number): Row => ({
        metric,
        value: ratio(value),
        target: `≥ ${min}×`,
        met: value.median >= min,
      });
      // The baseline: the prescribed stack, stock; what the patch wins, and what the project's code costs.
      rows.push({
        metric: "GET job: prescribed stack, stock validator (req/s; the baseline)",
        value: num(result.summary(stock, get, (m) => m.rps)),
      });
      rows.push(
        targetRow("GET job: project / prescribed stack (stock validator)", result.ratio(project, stock, get), TARGETS.vsPrescribed),
      );
      rows.push({ metric: "GET job: prescribed stack, patched validator / stock", value: ratio(result.ratio(patched, stock, get)) });
      rows.push({ metric: "GET job: project / prescribed stack (patched validator)", value: ratio(result.ratio(project, patched, get)) });
      rows.push({
        metric: "GET job, in CPU per request: project / prescribed stack (stock validator)",
        value: ratio(result.cpuRatio(project, stock, get)),
      });
      rows.push({
        metric: "GET job, in CPU per request: prescribed stack, patched validator / stock",
        value: ratio(result.cpuRatio(patched, stock, get)),
      });
      const p99Over = summarize(result.rounds(project, get).map((m, round) => m.p99 - result.rounds(stock, get)[round]!.p99));
      rows.push({
        metric: "GET job: project p99 − prescribed stack (stock) p99, same round",
        value: num(p99Over, 2, " ms"),
        target: `≤ ${TARGETS.p99OverPrescribedMs} ms`,
        met: p99Over.median <= TARGETS.p99OverPrescribedMs,
      });
      for (const server of [stock, patched])
        rows.push({
          metric: `GET job: ${server.name} p99`,
          value: num(
            result.summary(server, get, (m) => m.p99),
            2,
            " ms",
          ),
        });
      const rawGet = result.summary(raw, get, (m) => m.rps);
      const dbGet = result.summary(dbLimit, get, (m) => m.rps);
      rows.push({ metric: "GET job: raw node:http, from memory (req/s; the HTTP limit)", value: num(rawGet) });
      rows.push({ metric: "GET job: raw node:http + SQLite (req/s; the database-backed limit)", value: num(dbGet) });
      rows.push({ metric: "GET job: database-backed limit / raw", value: ratio(result.ratio(dbLimit, raw, get)) });
      rows.push(targetRow("GET job: project / database-backed limit", result.ratio(project, dbLimit, get), TARGETS.vsDbLimit));
      rows.push(targetRow("GET job: project / raw", result.ratio(project, raw, get), TARGETS.vsRaw));
      rows.push(targetRow("GET job: project / fastify", result.ratio(project, fastify, get), TARGETS.vsFastify));
      rows.push({ metric: "GET job: fastify / database-backed limit", value: ratio(result.ratio(fastify, dbLimit, get)) });
      // The same comparisons in server CPU per request (the other's CPU / the project's): on a
      // shared machine, throughput depends on how each process is scheduled, CPU much less.
      rows.push({
        metric: "GET job, in CPU per request: project / database-backed limit",
        value: ratio(result.cpuRatio(project, dbLimit, get)),
      });
      rows.push({ metric: "GET job, in CPU per request: project / raw", value: ratio(result.cpuRatio(project, raw, get)) });
      rows.push({ metric: "GET job, in CPU per request: project / fastify", value: ratio(result.cpuRatio(project, fastify, get)) });
      const p99 = result.summary(project, get, (m) => m.p99);
      rows.push({
        metric: "GET job: project p99 at 10 connections",
        value: num(p99, 2, " ms"),
        target: `≤ ${TARGETS.p99Ms} ms`,
        met: p99.median <= TARGETS.p99Ms,
      });
      for (const server of [dbLimit, fastify])
        rows.push({
          metric: `GET job: ${server.name} p99`,
          value: num(
            result.summary(server, get, (m) => m.p99),
            2,
            " ms",
          ),
        });
      if (a) rows.push({ metric: "GET job: (a) / database-backed limit", value: ratio(result.ratio(a, dbLimit, get)) });
      for (const server of servers) {
        rows.push({
          metric: `GET job: server CPU per request, ${server.name}`,
          value: num(
            result.summary(server, get, (m) => m.cpuPerRequestUs),
            1,
            " µs",
          ),
        });
      }
      rows.push({
        metric: "listJobs limit=100: raw node:http + SQLite (req/s; the database-backed limit)",
        value: num(result.summary(dbLimit, list, (m) => m.rps)),
      });
      rows.push({ metric: "listJobs limit=100: database-backed limit / raw", value: ratio(result.ratio(dbLimit, raw, list)) });
      rows.push(
        targetRow("listJobs limit=100: project / database-backed limit", result.ratio(project, dbLimit, list), TARGETS.listVsDbLimit),
      );
      rows.push({ metric: "listJobs limit=100: project / fastify", value: ratio(result.ratio(project, fastify, list)) });
      rows.push({
        metric: "listJobs limit=100: project / prescribed stack (stock validator)",
        value: ratio(result.ratio(project, stock, list)),
      });
      rows.push({
        metric: "listJobs limit=100: prescribed stack, patched validator / stock",
        value: ratio(result.ratio(patched, stock, list)),
      });
      rows.push({
        metric: "listJobs limit=100, in CPU per request: project / database-backed limit",
        value: ratio(result.cpuRatio(project, dbLimit, list)),
      });
      rows.push({
        metric: "listJobs limit=100, in CPU per request: project / fastify",
        value: ratio(result.cpuRatio(project, fastify, list)),
      });
      if (a) rows.push({ metric: "listJobs limit=100: (a) / database-backed limit", value: ratio(result.ratio(a, dbLimit, list)) });
      for (const server of servers) {
        rows.push({
          metric: `listJobs limit=100: server CPU per request, ${server.name}`,
          value: num(
            result.summary(server, list, (m) => m.cpuPerRequestUs),
            1,
            " µs",
          ),
        });
      }
      const notes = [
        `prescribed stack = Express 5 with the prototype fix (server/http/server.ts) + express-openapi-validator 5.6.2 validating requests, responses and security against the contract, the same store calls as the project's server (key → organization, project, job or page), the project's Express settings and nothing else (bench/servers/prescribed.ts): "stock" is the validator as published (the npm alias express-openapi-validator-stock), "patched" the one the project runs (patches/). The target: the project at ≥ ${TARGETS.vsPrescribed}× the stock stack's requests/s, its p99 at most ${TARGETS.p99OverPrescribedMs} ms over the stock stack's in the same round.`,
        `project = the project's server as deployed: request and response validation (express-openapi-validator), the API-key security handler, one log line per request at info (to /dev/null)${a ? "; (a) = the same with response validation off" : ""}.`,
        `raw node:http answers the same bytes from memory with one Map lookup: the HTTP limit. raw node:http + SQLite does what the answer needs and nothing more, with better-sqlite3 prepared statements: SHA-256 of the key, the organization by hash, the project within it, the job (or 101 jobs), JSON.stringify: the database-backed limit (no validation, no logging). fastify 5 validates the same parameters with the contract's JSON schemas, serializes with the response schemas, does the same lookups through the project's store and logs its requests at info.`,
        `Ratios are throughput ratios taken round by round (median and min–max over ${rounds} rounds of ${seconds} s each, ${connections} connections); "in CPU per request" rows divide the other server's CPU time per request (from /proc) by the project's, round by round: on a shared machine they drift much less than throughput, which depends on how each process gets scheduled.`,
        `GET job: raw node:http ${fmt(rawGet.median)} req/s, database-backed limit ${fmt(dbGet.median)} req/s (medians).`,
      ];
      return {
        part: "http",
        title: "the project's server against raw node:http (from memory, and with SQLite) and fastify",
        rows,
        notes,
        data: { rounds, seconds, connections, pinned: canPin(), cases, measurements: result.toJSON() },
      };
    } finally {
      await resources.closeAll();
    }
  });
