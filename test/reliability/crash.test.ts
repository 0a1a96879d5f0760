// Crashes: the real `jobs-api` processes killed with SIGKILL at the worst moments, then started
// again. In the middle of deleting a user's 100,000 sessions (the job is taken up again after its
// lease and finishes, and nothing else is touched), in the middle of a burst of deleteUserData
// calls (no job answered is lost, none is duplicated), and in the middle of `sessions import`
// (all or nothing).
import { createWriteStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { databases, queryRaw } from "../support/databases.js";
import { ROOT } from "../support/cli.js";
import { IMPORT_CACHE_KIB } from "../../server/store/sqlite.js";
import { httpRequest, jobsApiJson, jsonLines, leakedKeys, logDir, serverEnv, spawnServe, waitFor, type ServeProcess } from "./support.js";

const CLI = fileURLToPath(new URL("../../server/cli/main.ts", import.meta.url));
const VICTIM = "victim@example.com";
const SESSIONS = 100_000;
const BATCH = 500;

/** Writes NDJSON sessions to a file: [projectKey, userId, count, idPrefix] groups. */
async function writeSessions(file: string, groups: Array<[string, string, number, string]>): Promise<void> {
  const out = createWriteStream(file);
  for (const [projectKey, userId, count, prefix] of groups) {
    let text = "";
    for (let i = 0; i < count; i++) {
      text += `${JSON.stringify({ sessionId: `${prefix}-${i}`, projectKey, userId, startedAt: 1_700_000_000_000 + i })}\n`;
      if (text.length > 1_000_000) {
        if (!out.write(text)) await once(out, "drain");
        text = "";
      }
    }
    out.write(text);
  }
  out.end();
  await once(out, "finish");
}

async function count(url: string, where: string): Promise<number> {
  const rows = await queryRaw(url, `select count(*) as n from sessions where ${where}`);
  return Number(rows[0]!.n);
}

async function jobRows(url: string): Promise<Array<Record<string, any>>> {
  return (await queryRaw(url, "select * from jobs order by job_id")).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        typeof v === "bigint" || (typeof v === "string" && /^\d+$/.test(v) && k !== "reference_id") ? Number(v) : v,
      ]),
    ),
  );
}

const sql = (text: string) => `'${text.replaceAll("'", "''")}'`;

describe.each(databases)("crashes on $name", (database) => {
  const running: ServeProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop("SIGKILL")));
  });
  const serve = async (env: Record<string, string>, name: string) => {
    const server = await spawnServe(env, `crash-${database.name}-${name}`);
    running.push(server);
    return server;
  };

  it("SIGKILL in the middle of deleting 100,000 sessions: after a restart the job is taken up after its lease, completes, and only that user's sessions in that project are gone", async () => {
    const url = await database.url();
    const env = {
      DATABASE_URL: url,
      JOBS_START_DELAY: "0s",
      JOBS_LEASE: "2s",
      JOBS_BATCH_SIZE: String(BATCH),
      // About 10 s of deleting (a 50 ms pause after each batch): the kill below lands in the middle
      // even when this test process waits seconds for the CPU; unpaced, the job could end first.
      JOBS_PACE: "10000",
      JOBS_POLL_INTERVAL: "100ms",
    };
    const a = await jobsApiJson(["project", "create", "--org", "Crash A", "--name", "Web"], env);
    const a2 = await jobsApiJson(["project", "create", "--org", "Crash A", "--name", "Mobile"], env);
    const b = await jobsApiJson(["project", "create", "--org", "Crash B", "--name", "Web"], env);
    const file = join(logDir(), `sessions-${database.name}-${a.projectKey}.ndjson`);
    await writeSessions(file, [
      [a.projectKey, VICTIM, SESSIONS, "victim"],
      [a.projectKey, "other@example.com", 1000, "other"],
      [a2.projectKey, VICTIM, 1000, "victim-mobile"],
      [b.projectKey, VICTIM, 1000, "victim-b"],
    ]);
    expect(await jobsApiJson(["sessions", "import", file], env)).toEqual({ imported: SESSIONS + 3000 });
    const inA = `project_id = ${a.projectId}`;

    const first = await serve(env, "delete-1");
    // Bystander jobs: scheduled for other users (they have no sessions; the runner completes them).
    const bystanders: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await httpRequest(first.url, `/api/v1/${a.projectKey}/users/bystander-${i}@example.com`, {
        method: "DELETE",
        headers: { authorization: a.apiKey },
      });
      bystanders.push(answer.body.data.jobId);
    }
    const deletion = await httpRequest(first.url, `/api/v1/${a.projectKey}/users/${VICTIM}`, {
      method: "DELETE",
      headers: { authorization: a.apiKey },
    });
    expect(deletion.status).toBe(200);
    const jobId: number = deletion.body.data.jobId;

    // Kill as soon as the deletion is under way (some batches done, at least half left, so that
    // the batches deleted between the count and the freeze cannot be the last). The process is
    // frozen (SIGSTOP) the moment that is seen, so it cannot go on deleting while this test
    // process waits for the CPU on a busy machine; then killed.
    const atKill = await waitFor(
      "the deletion to be under way",
      async () => {
        const left = await count(url, `${inA} and user_id = ${sql(VICTIM)}`);
        if (left < SESSIONS && left >= SESSIONS / 2) {
          first.child.kill("SIGSTOP");
          return left;
        }
        return undefined;
      },
      60_000,
      10,
    );
    await first.stop("SIGKILL");
    const left = await count(url, `${inA} and user_id = ${sql(VICTIM)}`);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(atKill);
    // Every batch is one transaction: a crash leaves whole batches done, never part of one.
    expect((SESSIONS - left) % BATCH).toBe(0);
    const killed = (await jobRows(url)).find((row) => row.job_id === jobId)!;
    expect(killed).toMatchObject({ status: "running", attempts: 1 });
    const leaseAtKill: number = killed.lease_expires_at;
    const jobsBefore = (await jobRows(url)).map((row) => row.job_id);

    const second = await serve(env, "delete-2");
    const done = await waitFor(
      "the job to complete after the restart",
      async () => {
        const answer = await httpRequest(second.url, `/api/v1/${a.projectKey}/jobs/${jobId}`, { headers: { authorization: a.apiKey } });
        expect(answer.status).toBe(200);
        return answer.body.data.status === "running" ? undefined : answer.body.data;
      },
      90_000,
      100,
    );
    expect(done).toMatchObject({ jobId, status: "completed", errors: null, referenceId: VICTIM });

    // Taken up only once its lease had expired, by the new process, as the second attempt.
    const started = jsonLines(second.output()).filter((line) => line.msg === "job started" && line.jobId === jobId);
    expect(started).toHaveLength(1);
    expect(started[0]!.attempt).toBe(2);
    expect(started[0]!.time).toBeGreaterThanOrEqual(leaseAtKill);
    // The API may answer "completed" before the child's log line has come through its pipe.
    const completedLines = () => jsonLines(second.output()).filter((line) => line.msg === "job completed" && line.jobId === jobId);
    await waitFor("the job completed log line", async () => (completedLines().length > 0 ? true : undefined), 10_000);
    expect(completedLines()).toHaveLength(1);

    // Every session of that user in that project is gone; nothing else is touched.
    expect(await count(url, `${inA} and user_id = ${sql(VICTIM)}`)).toBe(0);
    expect(await count(url, `${inA} and user_id = 'other@example.com'`)).toBe(1000);
    expect(await count(url, `project_id = ${a2.projectId} and user_id = ${sql(VICTIM)}`)).toBe(1000);
    expect(await count(url, `project_id = ${b.projectId} and user_id = ${sql(VICTIM)}`)).toBe(1000);
    // No job lost, none duplicated; all ended, each run once but the crashed one (twice).
    await waitFor("the bystander jobs to complete", async () =>
      (await jobRows(url)).every((row) => row.status === "completed") ? true : undefined,
    );
    const after = await jobRows(url);
    expect(after.map((row) => row.job_id)).toEqual(jobsBefore);
    for (const row of after) expect(row.attempts, `job ${row.job_id}`).toBe(row.job_id === jobId ? 2 : 1);
    expect(after.filter((row) => bystanders.includes(row.job_id))).toHaveLength(5);

    const logs = first.output() + second.output();
    expect(leakedKeys(logs, [a.apiKey, b.apiKey])).toEqual([]);
    expect(logs).not.toContain(VICTIM); // the userId is personal data: never logged either
  }, 240_000);

  it("SIGKILL in the middle of a burst of deleteUserData calls: every job answered survives, none is duplicated, and retries answer the same jobs", async () => {
    const url = await database.url();
    const env = { DATABASE_URL: url, JOBS_START_DELAY: "1h", JOBS_POLL_INTERVAL: "100ms" };
    const a = await jobsApiJson(["project", "create", "--org", "Burst", "--name", "Web"], env);
    const first = await serve(env, "burst-1");
    const USERS = 300;
    const answered = new Map<string, any>();
    let failures = 0;
    let killing: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const userId = `burst-${i}@example.com`;
        let answer;
        try {
          answer = await httpRequest(first.url, `/api/v1/${a.projectKey}/users/${userId}`, {
            method: "DELETE",
            headers: { authorization: a.apiKey },
            timeoutMs: 30_000,
          });
        } catch {
          failures++; // the connection died with the server
          return;
        }
        expect(answer.status, answer.text).toBe(200);
        answered.set(userId, answer.body.data);
        if (answered.size === 40) killing = first.stop("SIGKILL");
      }),
    );
    await killing;
    expect(answered.size).toBeGreaterThanOrEqual(40);
    expect(answered.size + failures).toBe(USERS);

    // The database is sound after the crash (SQLite: an integrity check of the file).
    if (url.startsWith("sqlite:")) {
      expect(await queryRaw(url, "pragma integrity_check")).toEqual([{ integrity_check: "ok" }]);
    }
    const second = await serve(env, "burst-2");
    const stored = await jobRows(url);
    // No job answered is lost: each is stored exactly as it was answered.
    for (const [userId, job] of answered) {
      const row = stored.find((r) => r.job_id === job.jobId);
      expect(row, userId).toMatchObject({ reference_id: userId, status: "scheduled", created_at: job.createdAt, start_at: job.startAt });
    }
    // None is duplicated: at most one job per user.
    const users = stored.map((row) => row.reference_id);
    expect(new Set(users).size).toBe(users.length);

    // Retrying every call on the restarted server: the jobs answered before are answered again,
    // the others are created now, once.
    for (let i = 0; i < USERS; i++) {
      const userId = `burst-${i}@example.com`;
      const retry = await httpRequest(second.url, `/api/v1/${a.projectKey}/users/${userId}`, {
        method: "DELETE",
        headers: { authorization: a.apiKey },
      });
      expect(retry.status).toBe(200);
      if (answered.has(userId)) expect(retry.body.data).toEqual(answered.get(userId));
    }
    const final = await jobRows(url);
    expect(final).toHaveLength(USERS);
    expect(new Set(final.map((row) => row.reference_id)).size).toBe(USERS);
    expect(leakedKeys(first.output() + second.output(), [a.apiKey])).toEqual([]);
  }, 120_000);

  it("SIGKILL in the middle of `sessions import`: nothing of it is kept, the database is sound, and the same import then succeeds whole", async () => {
    const url = await database.url();
    const env = { DATABASE_URL: url };
    const a = await jobsApiJson(["project", "create", "--org", "Import", "--name", "Web"], env);
    const keeperFile = join(logDir(), `keeper-${database.name}-${a.projectKey}.ndjson`);
    await writeSessions(keeperFile, [[a.projectKey, "keeper@example.com", 1000, "keeper"]]);
    expect(await jobsApiJson(["sessions", "import", keeperFile], env)).toEqual({ imported: 1000 });

    // Enough data to overflow the import's page cache (SQLite): the uncommitted rows must reach
    // the WAL file before the kill, so that recovery has uncommitted frames to ignore. Long
    // session ids (about 500 bytes a session in the table and its index) keep the file small.
    const prefix = "imp".padEnd(240, "-");
    const LINES = Math.ceil((1.5 * IMPORT_CACHE_KIB * 1024) / 500);
    const file = join(logDir(), `import-${database.name}-${a.projectKey}.ndjson`);
    await writeSessions(file, [[a.projectKey, "imported@example.com", LINES, prefix]]);

    // The import reads standard input: feed it everything but the end, so it is mid-transaction.
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "sessions", "import", "-", "--json"], {
      cwd: ROOT,
      env: serverEnv({ ...env, LOG_LEVEL: "debug" }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once("close", resolve));
    const { createReadStream } = await import("node:fs");
    for await (const chunk of createReadStream(file)) {
      if (!child.stdin.write(chunk)) await once(child.stdin, "drain");
    }
    // Everything written has been taken by the pipe, so all but its last ~64 KiB is read and
    // inserted. Confirm that the import's transaction is open and holds rows, then kill.
    await waitFor("the import's transaction to be open", async () => {
      if (url.startsWith("sqlite:")) {
        const path = url.slice("sqlite:".length);
        const db = new BetterSqlite3(path, { timeout: 0 });
        try {
          db.exec("BEGIN IMMEDIATE"); // succeeds only when no one holds the write lock
          db.exec("ROLLBACK");
          return undefined;
        } catch (error) {
          expect(String(error)).toMatch(/locked|busy/i);
          return existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 1_000_000 ? true : undefined;
        } finally {
          db.close();
        }
      }
      // The import is one COPY ... FROM STDIN: open while the input still comes.
      const rows = await queryRaw(
        url,
        "select state, query from pg_stat_activity where datname = current_database() and query ilike 'copy sessions%'",
      );
      return rows.some((row) => row.state === "idle in transaction" || row.state === "active") ? true : undefined;
    });
    child.kill("SIGKILL");
    await exited;
    expect(output).not.toContain('"imported"');

    // Nothing of the killed import is there; what was there before is.
    expect(await count(url, "user_id = 'imported@example.com'")).toBe(0);
    expect(await count(url, "user_id = 'keeper@example.com'")).toBe(1000);
    if (url.startsWith("sqlite:")) {
      expect(await queryRaw(url, "pragma integrity_check")).toEqual([{ integrity_check: "ok" }]);
    }
    // The server starts on it and answers.
    const server = await serve({ ...env, JOBS_START_DELAY: "1h" }, "import");
    const list = await httpRequest(server.url, `/api/v1/${a.projectKey}/jobs`, { headers: { authorization: a.apiKey } });
    expect(list.status).toBe(200);
    // The same import, run again to its end, keeps every line (no leftover from the killed one).
    expect(await jobsApiJson(["sessions", "import", file], env)).toEqual({ imported: LINES });
    expect(await count(url, "user_id = 'imported@example.com'")).toBe(LINES);
    expect(await count(url, "user_id = 'keeper@example.com'")).toBe(1000);
  }, 180_000);
});
