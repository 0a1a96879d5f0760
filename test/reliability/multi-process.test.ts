// Several processes on one PostgreSQL database: three `jobs-api serve` processes (one with
// JOBS_RUNNER=off) start at once on an empty database (so they also race to migrate it), a
// thousand due jobs come in, and each is executed exactly once: counted from the runners' own log
// lines and from the attempts column. Then every process answers the same, and a job created,
// repeated, read and cancelled through different processes behaves as one.
import { afterAll, describe, expect, it } from "vitest";
import { databases, queryRaw } from "../support/databases.js";
import { openStore } from "../../server/store/index.js";
import type { SessionRow, Store } from "../../server/store/types.js";
import { httpRequest, jobsApiJson, jsonLines, leakedKeys, spawnServe, waitFor, type ServeProcess } from "./support.js";
import { countSessions } from "../../server/store/fixtures.js";

const postgres = databases.find((d) => d.name === "postgres");
const JOBS = 1000;
const SESSIONS_PER_USER = 3;

describe.skipIf(postgres === undefined)("three processes on one PostgreSQL database", () => {
  const servers: ServeProcess[] = [];
  let store: Store | undefined;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop("SIGTERM")));
    await store?.close();
  });

  it("a thousand due jobs are each executed exactly once, all end completed, and every process answers the same", async () => {
    const url = await postgres!.url();
    const common = { DATABASE_URL: url, JOBS_START_DELAY: "1h", JOBS_POLL_INTERVAL: "100ms", JOBS_BATCH_SIZE: "2", JOBS_LEASE: "30s" };
    // All three at once, on a database without tables yet.
    servers.push(
      ...(await Promise.all([
        spawnServe({ ...common }, "multi-runner-1"),
        spawnServe({ ...common }, "multi-runner-2"),
        spawnServe({ ...common, JOBS_RUNNER: "off" }, "multi-api-only"),
      ])),
    );
    const [one, two, apiOnly] = servers as [ServeProcess, ServeProcess, ServeProcess];
    expect(apiOnly.output()).toContain("API only (JOBS_RUNNER=off)");

    const tenant = await jobsApiJson(["project", "create", "--org", "Multi", "--name", "Web"], { DATABASE_URL: url });
    store = await openStore(url);
    const now = Date.now();
    const users = Array.from({ length: JOBS }, (_, i) => `multi-${i}@example.com`);
    const rows: SessionRow[] = users.flatMap((userId, i) =>
      Array.from({ length: SESSIONS_PER_USER }, (_, s) => ({
        sessionId: `m-${i}-${s}`,
        projectId: tenant.projectId,
        userId,
        startedAt: now - s,
      })),
    );
    await store.importSessions(
      (async function* () {
        yield rows;
      })(),
    );
    // The jobs arrive while the runners already poll: due at once.
    const jobIds: number[] = [];
    for (const userId of users) {
      jobIds.push((await store.scheduleUserDeletion(tenant.projectId, userId, Date.now(), Date.now())).job.jobId);
    }
    expect(new Set(jobIds).size).toBe(JOBS);

    await waitFor(
      "every job to complete",
      async () => {
        const rows = await queryRaw(url, "select count(*) as n from jobs where status <> 'completed'");
        return Number(rows[0]!.n) === 0 ? true : undefined;
      },
      150_000,
      200,
    );

    // Executions, counted from what each runner logged.
    const lines = (server: ServeProcess) => jsonLines(server.output());
    const started = [...lines(one), ...lines(two)].filter((line) => line.msg === "job started");
    const completed = [...lines(one), ...lines(two)].filter((line) => line.msg === "job completed");
    const perJob = (entries: typeof started) => {
      const counts = new Map<number, number>();
      for (const entry of entries) counts.set(entry.jobId, (counts.get(entry.jobId) ?? 0) + 1);
      return counts;
    };
    const startedPerJob = perJob(started);
    const completedPerJob = perJob(completed);
    for (const jobId of jobIds) {
      expect(startedPerJob.get(jobId), `job ${jobId} started`).toBe(1);
      expect(completedPerJob.get(jobId), `job ${jobId} completed`).toBe(1);
    }
    expect(started).toHaveLength(JOBS);
    expect(lines(apiOnly).filter((line) => line.component === "runner")).toEqual([]);
    // Both runners took part (so the claims really were concurrent), from two distinct workers.
    const byWorker = new Map<string, number>();
    for (const entry of completed) byWorker.set(entry.workerId, (byWorker.get(entry.workerId) ?? 0) + 1);
    expect(byWorker.size).toBe(2);
    for (const n of byWorker.values()) expect(n).toBeGreaterThan(0);
    // ...and from the database: one claim each, every session deleted.
    const attempts = await queryRaw(url, "select attempts, count(*) as n from jobs group by attempts");
    expect(attempts.map((r) => [Number(r.attempts), Number(r.n)])).toEqual([[1, JOBS]]);
    expect(await countSessions(store, tenant.projectId)).toBe(0);

    // Every process answers the same list, and the same job.
    const headers = { authorization: tenant.apiKey };
    const lists = await Promise.all(servers.map((s) => httpRequest(s.url, `/api/v1/${tenant.projectKey}/jobs`, { headers })));
    for (const list of lists) {
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(JOBS);
      expect(list.body).toEqual(lists[0]!.body);
    }
    // One job, through three processes: created by one, repeated by another (the same job),
    // read by the third, cancelled by one, refused (501) by another, and read back everywhere.
    const path = `/api/v1/${tenant.projectKey}/users/cross@example.com`;
    const created = await httpRequest(one.url, path, { method: "DELETE", headers });
    const repeated = await httpRequest(two.url, path, { method: "DELETE", headers });
    expect(created.status).toBe(200);
    expect(repeated.body).toEqual(created.body);
    const jobPath = `/api/v1/${tenant.projectKey}/jobs/${created.body.data.jobId}`;
    expect((await httpRequest(apiOnly.url, jobPath, { headers })).body).toEqual(created.body);
    const cancelled = await httpRequest(apiOnly.url, jobPath, { method: "DELETE", headers });
    expect(cancelled.status).toBe(200);
    expect((await httpRequest(one.url, jobPath, { method: "DELETE", headers })).status).toBe(501);
    for (const server of servers) {
      expect((await httpRequest(server.url, jobPath, { headers })).body).toEqual(cancelled.body);
    }

    expect(leakedKeys(servers.map((s) => s.output()).join("\n"), [tenant.apiKey])).toEqual([]);
  }, 240_000);
});
