// runner: the deletion of 1,000,000 sessions of one user by the job runner, in the server, while
// the API answers a steady stream of GET job requests. Measured, round by round on the same data:
// sessions deleted per second by the runner against one DELETE statement doing the same (the
// limit), and the API's p99 latency during the deletion against its p99 at rest (the runner must
// leave the event loop free for requests).
import { join } from "node:path";
import { addVictimSessions, seed, VICTIM, type Seeded } from "../lib/data.js";
import { LoadGenerator, type LoadResult } from "../lib/load.js";
import { engines, postgresWanted, startPostgres } from "../lib/postgres.js";
import { SERVER_CORE, spawnNode, waitReady } from "../lib/proc.js";
import { fmt, num, ratio, type Part, type Row } from "../lib/report.js";
import { projectServer } from "../lib/servers.js";
import { summarize } from "../lib/stats.js";
import { Resources, withTempDir } from "../lib/tmp.js";
import pg from "pg";

export const TARGETS = { rateVsDelete: 0.5, p99Growth: 2 };

interface Finished {
  jobId: number;
  deleted: number;
  durationMs: number;
  msg: string;
}

/** Times one `DELETE FROM sessions WHERE project_id = ? AND user_id = ?`; answers sessions per second. */
async function singleDelete(url: string, projectId: number, expected: number): Promise<number> {
  let ms: number;
  let deleted: number;
  if (url.startsWith("sqlite:")) {
    const child = spawnNode(SERVER_CORE, ["bench/servers/sqlite-delete.ts", url.slice("sqlite:".length), String(projectId), VICTIM]);
    ({ ms, deleted } = await waitReady<{ ms: number; deleted: number }>(child));
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const started = performance.now();
      const result = await client.query("DELETE FROM sessions WHERE project_id = $1 AND user_id = $2", [projectId, VICTIM]);
      ms = performance.now() - started;
      deleted = result.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }
  if (deleted !== expected) throw new Error(`the single DELETE removed ${deleted} sessions, expected ${expected}`);
  return deleted / (ms / 1000);
}

export const runner: Part = ({ smoke, log }) =>
  withTempDir("runner", async (dir) => {
    const resources = new Resources();
    try {
      const sessions = smoke ? 3_000 : Number(process.env.BENCH_RUNNER_SESSIONS ?? 1_000_000);
      const rounds = smoke ? 1 : Number(process.env.BENCH_RUNNER_ROUNDS ?? 3);
      const rate = smoke ? 200 : Number(process.env.BENCH_RUNNER_RATE ?? 1000);
      const restSeconds = smoke ? 0.5 : 5;
      // Smoke runs measure a number of requests, not a fraction of a second: on a busy machine the
      // load generator may not get a single request out in 0.3 s (autocannon counts whole seconds).
      const bounded = (seconds: number) => (smoke ? { seconds, amount: 50 } : { seconds });
      const connections = 10;
      const postgres = postgresWanted() ? resources.add(await startPostgres(), (server) => server.stop()) : undefined;
      const load = resources.add(await LoadGenerator.start(), (l) => l.close());
      const rows: Row[] = [];
      const data: Record<string, unknown> = {};
      let batchSize: unknown;
      /** JOBS_BATCH_TIME as each engine's runner said it started with (it depends on the database). */
      const batchTimeMs: Record<string, unknown> = {};
      for (const engine of engines()) {
        const url = engine === "SQLite" ? `sqlite:${join(dir, "runner.db")}` : await postgres!.createDatabase("bench_runner");
        // Other users' sessions too, so the deletion has to find the victim's among them.
        const seeded: Seeded = await seed(url, { jobs: 1000, sessions: smoke ? 1000 : 100_000, sessionUsers: 1000 });
        const waiting = new Map<number, (finished: Finished) => void>();
        const onLogLine = (line: string) => {
          if (line.includes('"runner started"'))
            ({ batchSize, batchTimeMs: batchTimeMs[engine] } = JSON.parse(line) as { batchSize?: number; batchTimeMs?: number });
          if (!line.includes('"component":"runner"') || !/"msg":"job (completed|failed|stopped)/.test(line)) return;
          const entry = JSON.parse(line) as Finished;
          waiting.get(entry.jobId)?.(entry);
        };
        const server = resources.add(
          await projectServer(
            `${engine} runner`,
            {
              databaseUrl: url,
              runner: true,
              pollIntervalMs: 100,
              startDelay: { kind: "delay", ms: 0 },
              // JOBS_BATCH_TIME other than the default, to measure what it trades.
              ...(process.env.BENCH_RUNNER_BATCH_TIME_MS ? { batchTimeMs: Number(process.env.BENCH_RUNNER_BATCH_TIME_MS) } : {}),
            },
            onLogLine,
          ),
          (s) => s.stop(),
        );
        const request = {
          url: `${server.url}/api/v1/${seeded.projectKey}/jobs/${seeded.middleJobId}`,
          connections,
          headers: { authorization: seeded.apiKey },
          rate,
        };
        await load.runClean({ ...request, ...bounded(2) }); // warm-up
        const perRound: Array<{
          deleteRate: number;
          runnerRate: number;
          rest: LoadResult;
          during: LoadResult;
          duringDelete: LoadResult;
          deleted: number;
          ms: number;
        }> = [];
        for (let round = 0; round < rounds; round++) {
          await addVictimSessions(url, seeded.projectId, sessions, `r${round}a`);
          const rest = await load.runClean({ ...request, ...bounded(restSeconds) });
          // The limit, under the same steady API load as the runner gets.
          const deleteRun = load.run({ ...request, seconds: 3600 });
          const deleteRate = await singleDelete(url, seeded.projectId, sessions);
          load.stopRun();
          const duringDelete = await deleteRun;
          await addVictimSessions(url, seeded.projectId, sessions, `r${round}b`);
          // The deletion, under the same steady load.
          const duringRun = load.run({ ...request, seconds: 3600 });
          const answer = await fetch(`${server.url}/api/v1/${seeded.projectKey}/users/${encodeURIComponent(VICTIM)}`, {
            method: "DELETE",
            headers: { authorization: seeded.apiKey },
          });
          const { data: job } = (await answer.json()) as { data: { jobId: number } };
          const finished = await new Promise<Finished>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`job ${job.jobId} did not finish within 15 minutes`)), 15 * 60_000);
            waiting.set(job.jobId, (entry) => {
              clearTimeout(timer);
              resolve(entry);
            });
          });
          load.stopRun();
          const during = await duringRun;
          if (finished.msg !== "job completed" || finished.deleted !== sessions) {
            throw new Error(`job ${job.jobId}: ${finished.msg}, ${finished.deleted} of ${sessions} sessions deleted`);
          }
          if (during.non2xx > 0 || during.errors > 0) throw new Error(`${during.non2xx} failed API answers during the deletion`);
          const runnerRate = finished.deleted / (finished.durationMs / 1000);
          perRound.push({ deleteRate, runnerRate, rest, during, duringDelete, deleted: finished.deleted, ms: finished.durationMs });
          log(
            `  round ${round + 1}/${rounds}, ${engine}: runner ${fmt(runnerRate)} sessions/s (${fmt(finished.durationMs)} ms), ` +
              `single DELETE ${fmt(deleteRate)} sessions/s; API p99 ${rest.p99.toFixed(2)} ms at rest, ${during.p99.toFixed(2)} ms during ` +
              `the runner's deletion, ${duringDelete.p99.toFixed(2)} ms during the single DELETE`,
          );
        }
        const rateRatio = summarize(perRound.map((r) => r.runnerRate / r.deleteRate));
        const p99Growth = summarize(perRound.map((r) => r.during.p99 / r.rest.p99));
        rows.push({
          metric: `${engine}: runner deleting ${fmt(sessions)} sessions / one DELETE statement (sessions per second)`,
          value: ratio(rateRatio),
          target: `≥ ${TARGETS.rateVsDelete}×`,
          met: rateRatio.median >= TARGETS.rateVsDelete,
        });
        rows.push({ metric: `${engine}: runner, sessions per second`, value: num(summarize(perRound.map((r) => r.runnerRate))) });
        rows.push({
          metric: `${engine}: one DELETE statement, sessions per second`,
          value: num(summarize(perRound.map((r) => r.deleteRate))),
        });
        rows.push({
          metric: `${engine}: API p99 during the deletion / at rest (GET job, ${fmt(rate)} req/s)`,
          value: ratio(p99Growth),
          target: `≤ ${TARGETS.p99Growth}×`,
          met: p99Growth.median <= TARGETS.p99Growth,
        });
        rows.push({
          metric: `${engine}: API p99 at rest / during the deletion`,
          value: `${num(summarize(perRound.map((r) => r.rest.p99)), 2, " ms")} / ${num(summarize(perRound.map((r) => r.during.p99)), 2, " ms")}`,
        });
        rows.push({
          metric: `${engine}: API p99 during the single DELETE statement`,
          value: num(summarize(perRound.map((r) => r.duringDelete.p99)), 2, " ms"),
        });
        data[engine] = perRound;
        await server.stop();
      }
      const batchTimes = Object.entries(batchTimeMs)
        .map(([engine, ms]) => `${engine} ${String(ms)} ms`)
        .join(", ");
      return {
        part: "runner",
        title: `deleting ${fmt(sessions)} sessions of one user while the API is in use`,
        rows,
        notes: [
          `The runner runs inside the API's server process (as deployed), one transaction per batch, batches from ${String(batchSize)} sessions (JOBS_BATCH_SIZE) doubling while a full one takes under JOBS_BATCH_TIME (${batchTimes}) and halving when one takes over twice that. The batches run in a worker thread with a database connection of its own. The database also holds other users' sessions.`,
          `The limit is one DELETE statement removing the same number of sessions of the same user (inserted afresh each time), on the same database and the same core, under the same steady API load.`,
          `p99: GET job at a steady ${fmt(rate)} req/s over ${connections} connections, ${restSeconds} s at rest and then for the whole deletion; ${rounds} rounds. PostgreSQL runs on the server's core, so its work competes with the API's for that core.`,
        ],
        data: { sessions, rounds, rate, batchSize, batchTimeMs, results: data },
      };
    } finally {
      await resources.closeAll();
    }
  });
