// http: the project's server answering GET of one job from the database, with (a) request
// validation and (b) request and response validation, against raw node:http serving the same
// JSON from memory (the limit) and fastify with the same JSON schemas over the same store (what a
// user might pick instead); also listJobs with limit=100. Every figure is a ratio measured in
// the same round.
import { writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { compare, type Case } from "../lib/compare.js";
import { seed } from "../lib/data.js";
import { LoadGenerator } from "../lib/load.js";
import { canPin } from "../lib/proc.js";
import { fmt, num, ratio, type Part, type Row } from "../lib/report.js";
import { fastifyServer, projectServer, rawServer, startAll, type BenchServer } from "../lib/servers.js";
import { Resources, withTempDir } from "../lib/tmp.js";

export const TARGETS = { aVsRaw: 0.45, aVsFastify: 0.5, bVsRaw: 0.35, aP99Ms: 2 };

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
      const [a, b, fastify] = (await startAll([
        projectServer("project (a) requests validated", { databaseUrl: data.url, validateResponses: false }),
        projectServer("project (b) requests+responses validated", { databaseUrl: data.url, validateResponses: true }),
        fastifyServer(data.url),
      ])) as [BenchServer, BenchServer, BenchServer];
      for (const server of [a, b, fastify]) resources.add(server, stop);
      // The limit serves exactly what the project's server answers.
      const bodies: Record<string, unknown> = {};
      for (const kase of cases) bodies[kase.path] = await (await fetch(a.url + kase.path, { headers })).json();
      const bodiesFile = join(dir, "bodies.json");
      writeFileSync(bodiesFile, JSON.stringify(bodies));
      const raw = resources.add(await rawServer(bodiesFile), stop);
      const servers = [raw, fastify, a, b];
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
      log(`${rounds} rounds of ${seconds} s per server and case, ${connections} connections${canPin() ? ", server and load generator pinned to separate cores" : " (NOT pinned)"}`);
      const result = await compare({ load, servers, cases, rounds, seconds, ...(smoke && { amount: 200 }), warmupSeconds: smoke ? 0.2 : 3, connections, headers, log });

      const rows: Row[] = [];
      const [get, list] = cases as [Case, Case];
      const rawGet = result.summary(raw, get, (m) => m.rps);
      rows.push({ metric: "GET job: raw node:http, from memory (req/s; the limit)", value: num(rawGet) });
      rows.push({ metric: "GET job: fastify / raw", value: ratio(result.ratio(fastify, raw, get)) });
      const aRaw = result.ratio(a, raw, get);
      const aFastify = result.ratio(a, fastify, get);
      const bRaw = result.ratio(b, raw, get);
      const aP99 = result.summary(a, get, (m) => m.p99);
      rows.push({ metric: "GET job: (a) / raw", value: ratio(aRaw), target: `≥ ${TARGETS.aVsRaw}×`, met: aRaw.median >= TARGETS.aVsRaw });
      rows.push({ metric: "GET job: (a) / fastify", value: ratio(aFastify), target: `≥ ${TARGETS.aVsFastify}×`, met: aFastify.median >= TARGETS.aVsFastify });
      rows.push({ metric: "GET job: (b) / raw", value: ratio(bRaw), target: `≥ ${TARGETS.bVsRaw}×`, met: bRaw.median >= TARGETS.bVsRaw });
      rows.push({ metric: "GET job: (b) / fastify", value: ratio(result.ratio(b, fastify, get)) });
      rows.push({ metric: "GET job: (a) p99 at 10 connections", value: num(aP99, 2, " ms"), target: `≤ ${TARGETS.aP99Ms} ms`, met: aP99.median <= TARGETS.aP99Ms });
      rows.push({ metric: "GET job: (b) p99 at 10 connections", value: num(result.summary(b, get, (m) => m.p99), 2, " ms") });
      for (const server of servers) {
        rows.push({ metric: `GET job: server CPU per request, ${server.name}`, value: num(result.summary(server, get, (m) => m.cpuPerRequestUs), 1, " µs") });
      }
      rows.push({ metric: "listJobs limit=100: raw node:http (req/s)", value: num(result.summary(raw, list, (m) => m.rps)) });
      rows.push({ metric: "listJobs limit=100: fastify / raw", value: ratio(result.ratio(fastify, raw, list)) });
      rows.push({ metric: "listJobs limit=100: (a) / raw", value: ratio(result.ratio(a, raw, list)) });
      rows.push({ metric: "listJobs limit=100: (a) / fastify", value: ratio(result.ratio(a, fastify, list)) });
      rows.push({ metric: "listJobs limit=100: (b) / raw", value: ratio(result.ratio(b, raw, list)) });
      rows.push({ metric: "listJobs limit=100: (b) / fastify", value: ratio(result.ratio(b, fastify, list)) });
      for (const server of [fastify, a, b]) {
        rows.push({ metric: `listJobs limit=100: server CPU per request, ${server.name}`, value: num(result.summary(server, list, (m) => m.cpuPerRequestUs), 1, " µs") });
      }
      const notes = [
        `(a) = the project's server with request validation (and the API-key security handler), response validation off; (b) = the same with response validation on (the default). Both log one line per request at info, as in production.`,
        `raw node:http answers the same bytes from memory with one Map lookup: the limit. fastify ${fastify.name === "fastify" ? "5" : ""} validates the same parameters with the contract's JSON schemas, serializes with the response schemas, does the same three store lookups (API key, project, job) and logs its requests at info.`,
        `Ratios are throughput ratios taken round by round (median and min–max over ${rounds} rounds of ${seconds} s each, ${connections} connections). Server CPU per request comes from /proc and drifts less than throughput on a shared machine.`,
        `GET job on raw node:http: ${fmt(rawGet.median)} req/s median.`,
      ];
      return {
        part: "http",
        title: "the project's server against raw node:http and fastify",
        rows,
        notes,
        data: { rounds, seconds, connections, pinned: canPin(), cases, measurements: result.toJSON() },
      };
    } finally {
      await resources.closeAll();
    }
  });
