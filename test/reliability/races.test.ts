// Races: hundreds of jobs; three runners claim and run them (on PostgreSQL each on its own
// connection pool, as separate processes would) while cancels, duplicate cancels, duplicate
// deletions and reads are fired at the API. Afterwards every job's final state must agree with
// every answer given for it: a cancel answered 200 is never overwritten, a 501 named the state the
// job keeps, reads only ever moved forward, and no job was claimed (run) twice.
import { afterAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createRunner, type Runner } from "../../server/runner/runner.js";
import { openStore } from "../../server/store/index.js";
import type { ClaimedJob, Job, SessionRow, Store } from "../../server/store/types.js";
import { countSessions } from "../../server/store/fixtures.js";

const JOBS = 300;
const RUNNERS = 3;
const BATCH = 2;

/** A deterministic pseudo-random sequence (the run is reproducible from its seed). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The store, with every successful claim recorded (who claimed which job, which attempt). */
function recordingClaims(store: Store, claims: ClaimedJob[]): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "claimDueJob") {
        return async (...args: Parameters<Store["claimDueJob"]>) => {
          const claim = await target.claimDueJob(...args);
          if (claim !== undefined) claims.push(claim);
          return claim;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const ORDER: Record<string, number> = { scheduled: 0, running: 1, completed: 2, failed: 2, cancelled: 2 };

describe.each(databases)("races on $name", (database) => {
  let server: TestServer | undefined;
  const runners: Runner[] = [];
  const ownStores: Store[] = [];
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all(ownStores.map((s) => s.close()));
    await server?.close();
  });

  it("cancels racing the runners: final states agree with every 200 and 501, no cancelled job is overwritten, no job runs twice", async () => {
    const url = await database.url();
    server = await startTestServer(url); // API only; the runners are started below
    const now = server.clock.now;
    const rand = random(20261129);
    const tenant = await seedTenant(server.store, "Racers");
    const bystander = await seedTenant(server.store, "Bystander");
    const projectId = tenant.project.projectId;
    const base = `/api/v1/${tenant.project.projectKey}`;

    // Jobs: most due now; every tenth not due for a day (only a cancel may change it). Sessions:
    // 0 to 12 per user, and 200 for every 25th user (a long run, cancelled mid-way if at all).
    const sessionsOf = new Map<string, number>();
    const rows: SessionRow[] = [];
    const jobs: Job[] = [];
    for (let i = 0; i < JOBS; i++) {
      const userId = `user-${i}@example.com`;
      const count = i % 25 === 0 ? 200 : i % 13;
      sessionsOf.set(userId, count);
      for (let s = 0; s < count; s++) {
        rows.push({ sessionId: `s-${i}-${s}`, projectId, userId, startedAt: now - s });
        rows.push({ sessionId: `b-${i}-${s}`, projectId: bystander.project.projectId, userId, startedAt: now - s });
      }
      const startAt = i % 10 === 9 ? now + 86_400_000 : now - 1;
      jobs.push((await server.store.scheduleUserDeletion(projectId, userId, now - 10, startAt)).job);
    }
    await server.store.importSessions(
      (async function* () {
        yield rows;
      })(),
    );
    const bystanderSessions = await countSessions(server.store, bystander.project.projectId);

    // The runners: PostgreSQL, each on its own pool (like separate processes); SQLite, one
    // connection shared (better-sqlite3 is synchronous: two connections in one process would
    // wait on each other's locks while blocking the event loop).
    const claims: ClaimedJob[] = [];
    const logger = pino({ level: "silent" });
    for (let r = 0; r < RUNNERS; r++) {
      let store = server.store;
      if (database.name === "postgres") {
        store = await openStore(url);
        ownStores.push(store);
      }
      runners.push(
        createRunner({
          store: recordingClaims(store, claims),
          logger,
          pollIntervalMs: 5,
          batchSize: BATCH,
          leaseMs: 600_000, // the clock stands still: no lease ever runs out, so any second claim is a bug
          clock: () => server!.clock.now,
          workerId: `runner-${r}`,
        }),
      );
    }

    // What the API answered, per job.
    const cancels = new Map<number, Array<{ status: number; body: any }>>();
    const reads = new Map<number, string[]>();
    const pick = () => jobs[Math.floor(rand() * jobs.length)]!;
    const cancel = async (jobId: number) => {
      const answer = await server!.call("DELETE", `${base}/jobs/${jobId}`, { key: tenant.apiKey });
      expect([200, 501], JSON.stringify(answer.body)).toContain(answer.status);
      cancels.set(jobId, [...(cancels.get(jobId) ?? []), answer]);
    };
    // Sequential readers: each read is sent after the previous answer, so a job's statuses, in
    // the order one reader got them, must only move forward.
    let racing = true;
    const reader = async () => {
      const seen = new Map<number, string[]>();
      while (racing) {
        const job = pick();
        const answer = await server!.call("GET", `${base}/jobs/${job.jobId}`, { key: tenant.apiKey });
        expect(answer.status).toBe(200);
        seen.set(job.jobId, [...(seen.get(job.jobId) ?? []), answer.body.data.status]);
      }
      return seen;
    };
    // A sniper: cancels jobs the API lists as running, so many cancels land mid-run (between
    // two batches, or as the runner finishes).
    const sniper = async () => {
      while (racing) {
        const running = await server!.call("GET", `${base}/jobs?status=running`, { key: tenant.apiKey });
        expect(running.status).toBe(200);
        const target = running.body.data[Math.floor(rand() * running.body.data.length)];
        if (target !== undefined && rand() < 0.5) await cancel(target.jobId);
        else await new Promise((resolve) => setImmediate(resolve));
      }
    };
    // Duplicate deletions of new users, concurrently: one job each.
    const duplicateDeletions = async () => {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, u) =>
          Promise.all(
            Array.from({ length: 5 }, () => server!.call("DELETE", `${base}/users/dup-${u}@example.com`, { key: tenant.apiKey })),
          ),
        ),
      );
      return answers;
    };

    // The race: runners start, and at once cancels (some doubled) go out in small concurrent
    // groups, while two readers poll and duplicate deletions come in.
    const plan = jobs.filter(() => rand() < 0.6).map((job) => ({ jobId: job.jobId, twice: rand() < 0.2 }));
    runners.forEach((runner) => runner.start());
    const readers = [reader(), reader()];
    const snipers = [sniper(), sniper()];
    const duplicates = duplicateDeletions();
    for (let i = 0; i < plan.length; i += 6) {
      await Promise.all(plan.slice(i, i + 6).flatMap(({ jobId, twice }) => (twice ? [cancel(jobId), cancel(jobId)] : [cancel(jobId)])));
    }
    const duplicateAnswers = await duplicates;

    // Wait until every due job has ended (bounded: the test's timeout).
    for (;;) {
      const open = (await server.store.listJobs(projectId, {})).filter(
        (job) => job.status === "running" || (job.status === "scheduled" && job.startAt <= now),
      );
      if (open.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    racing = false;
    await Promise.all(snipers);
    for (const seen of await Promise.all(readers)) {
      for (const [jobId, statuses] of seen) reads.set(jobId, [...(reads.get(jobId) ?? []), ...statuses]);
      for (const statuses of seen.values()) {
        for (let k = 1; k < statuses.length; k++) {
          expect(ORDER[statuses[k]!]!, statuses.join(" → ")).toBeGreaterThanOrEqual(ORDER[statuses[k - 1]!]!);
          if (ORDER[statuses[k - 1]!] === 2) expect(statuses[k], statuses.join(" → ")).toBe(statuses[k - 1]);
        }
      }
    }
    await Promise.all(runners.map((runner) => runner.stop()));

    // Every job's final state against everything said about it.
    const outcome = { cancelledBeforeRun: 0, cancelledWhileRunning: 0, completed: 0, lostCancels: 0, stillScheduled: 0 };
    const claimsOf = new Map<number, ClaimedJob[]>();
    for (const claim of claims) claimsOf.set(claim.job.jobId, [...(claimsOf.get(claim.job.jobId) ?? []), claim]);
    const attempts = new Map((await server.store.listJobs(projectId, {})).map((job) => [job.jobId, claimsOf.get(job.jobId)?.length ?? 0]));
    for (const job of jobs) {
      const final = (await server.store.getJob(projectId, job.jobId))!;
      const userId = job.referenceId;
      const remaining = await countSessions(server.store, projectId, userId);
      const answers = cancels.get(job.jobId) ?? [];
      const won = answers.filter((a) => a.status === 200);
      const what = `job ${job.jobId} (${userId}), final ${final.status}, cancels ${answers.map((a) => a.status).join(",")}`;

      // No job is claimed twice: the lease never expires here, so one claim is one execution.
      expect(attempts.get(job.jobId)!, what).toBeLessThanOrEqual(1);
      expect(final.status, what).not.toBe("running");
      expect(final.status, what).not.toBe("failed");

      // At most one cancel wins; a winning cancel is never overwritten, not even its updatedAt.
      expect(won.length, what).toBeLessThanOrEqual(1);
      if (won.length === 1) {
        expect(final.status, what).toBe("cancelled");
        expect(final, what).toEqual(won[0]!.body.data);
      }
      // A 501 names a state the job keeps for ever.
      for (const refused of answers.filter((a) => a.status === 501)) {
        const said = /is (completed|failed|cancelled) and/.exec(refused.body.detail)?.[1];
        expect(said, what).toBe(final.status);
      }
      if (final.status === "cancelled") expect(won.length, what).toBe(1);
      // Whatever a reader saw last is where the job ended, or on its way there.
      const seen = reads.get(job.jobId) ?? [];
      for (const status of seen) expect(ORDER[status]!, what).toBeLessThanOrEqual(ORDER[final.status]!);
      if (seen.some((s) => ORDER[s] === 2))
        expect(
          seen.filter((s) => ORDER[s] === 2).every((s) => s === final.status),
          what,
        ).toBe(true);

      // What was done matches the state.
      if (final.status === "completed") {
        expect(remaining, what).toBe(0);
        expect(final.errors, what).toBeNull();
        expect(attempts.get(job.jobId), what).toBe(1);
        outcome.completed++;
      } else if (final.status === "cancelled") {
        expect(remaining, what).toBeLessThanOrEqual(sessionsOf.get(userId)!);
        if (attempts.get(job.jobId) === 0) {
          expect(remaining, what).toBe(sessionsOf.get(userId));
          outcome.cancelledBeforeRun++;
        } else {
          outcome.cancelledWhileRunning++;
        }
      } else {
        expect(final.status, what).toBe("scheduled");
        expect(final.startAt, what).toBeGreaterThan(now);
        expect(remaining, what).toBe(sessionsOf.get(userId));
        outcome.stillScheduled++;
      }
      outcome.lostCancels += answers.length - won.length;
    }
    // Claims of jobs the test did not make (the duplicates' jobs are not due): none.
    expect(claims.every((claim) => jobs.some((job) => job.jobId === claim.job.jobId))).toBe(true);
    // Another organization's sessions of the same user ids: untouched.
    expect(await countSessions(server.store, bystander.project.projectId)).toBe(bystanderSessions);

    // Duplicate deletions: one job per user, and every answer names it.
    for (const answers of duplicateAnswers) {
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(new Set(answers.map((a) => a.body.data.jobId)).size).toBe(1);
    }
    const duplicateJobs = (await server.store.listJobs(projectId, {})).filter((job) => job.referenceId.startsWith("dup-"));
    expect(duplicateJobs).toHaveLength(10);

    console.log(
      `races on ${database.name}: ${JSON.stringify({ ...outcome, claims: claims.length, cancelsSent: [...cancels.values()].flat().length })}`,
    );
  }, 180_000);
});
