// The store's PostgreSQL connections, set up in one place: the pool the API and the runner use,
// the deletion worker's, the key-revocation listener's, and those of long work (migrations, the
// import). Every one parses int8 as a number, names itself (application_name, seen in
// pg_stat_activity) and waits at most DATABASE_CONNECT_TIMEOUT for a connection. The request
// paths also bound each statement (DATABASE_STATEMENT_TIMEOUT): on the server (statement_timeout,
// a slow query) and in the client (query_timeout, a server that stopped answering), so that a
// frozen database gives an error, which the API answers with 503, instead of a request that hangs.
import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import type { DatabaseSettings } from "../config.js";
import { isQueryTimeout } from "./errors.js";
import { withExplicitSslMode } from "./postgres-url.js";

type Pg = typeof pg;

/** What a connection is for. Migrations and the import run as long as they need: no statement timeout. */
export type PostgresRole = "store" | "deletion worker" | "key revocations" | "migrations" | "import";

const UNBOUNDED_ROLES: ReadonlySet<PostgresRole> = new Set(["migrations", "import"]);

export interface PostgresConnections {
  /** The database URL (may hold a password: never logged). */
  readonly url: string;
  readonly settings: DatabaseSettings;
  /** A pool of at most `max` connections for this role. Its idle connections' errors are logged, not thrown. */
  pool(role: PostgresRole, max: number): pg.Pool;
  /** One connection for this role, not connected yet. */
  client(role: PostgresRole): pg.Client;
}

export function postgresConnections(driver: Pg, url: string, settings: DatabaseSettings, logger?: Logger): PostgresConnections {
  // int8 (bigint, count(*)) comes back from pg as a string by default, since it may exceed
  // 2^53; every int8 here (ids, epoch-ms times, counts) is far below, so parse it as a number.
  // Set per connection, not globally, so other pg users in the process are unaffected.
  const types = new driver.TypeOverrides();
  types.setTypeParser(driver.types.builtins.INT8, "text", Number);
  const config = (role: PostgresRole): pg.ClientConfig => ({
    connectionString: withExplicitSslMode(url), // the sslmode pg applies, without its warning
    types,
    application_name: role === "store" ? "jobs-api" : `jobs-api ${role}`,
    connectionTimeoutMillis: settings.databaseConnectTimeoutMs,
    ...(UNBOUNDED_ROLES.has(role)
      ? {}
      : { statement_timeout: settings.databaseStatementTimeoutMs, query_timeout: settings.databaseStatementTimeoutMs }),
  });
  return {
    url,
    settings,
    pool(role, max) {
      const pool = new driver.Pool({ ...config(role), max });
      // An idle connection that the server drops emits 'error' on the pool: log it rather than
      // let an unhandled 'error' event end the process. The pool replaces the connection.
      pool.on("error", (error) => logger?.error({ err: error }, "PostgreSQL connection error"));
      return pool;
    },
    client(role) {
      const client = new driver.Client(config(role));
      // Its failures reach the statement in flight; one while idle must not end the process.
      client.on("error", (error) => logger?.warn({ err: error, role }, "PostgreSQL connection error"));
      return client;
    },
  };
}

/**
 * The pool as Kysely's PostgresDialect takes it, but a connection whose statement timed out in
 * the client (query_timeout) is closed when released instead of going back to the pool: its
 * statement may still be running, or its server gone, and whoever took it next would wait
 * behind it (pg leaves the connection in use after the timeout).
 */
export function closingTimedOut(pool: pg.Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let timedOut = false;
      return {
        // Kysely calls query(text, values) only: the dialect is given no cursor.
        query: ((text: string, values: readonly unknown[]) =>
          client.query(text, values as unknown[]).catch((error: unknown) => {
            if (isQueryTimeout(error)) timedOut = true;
            throw error;
          })) as unknown as PostgresPoolClient["query"],
        // Kysely passes true to discard a connection whose rollback failed.
        release: (discard?: boolean) => client.release(discard === true || timedOut),
      };
    },
    end: async () => {
      if (!pool.ending) await pool.end();
    },
  };
}
