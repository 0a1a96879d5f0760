// openStore: DATABASE_URL → a Store over SQLite (the default) or PostgreSQL.
import { resolve } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Logger } from "pino";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";
import { createStore } from "./store.js";
import { withExplicitSslMode } from "./postgres-url.js";
import type { Store } from "./types.js";
import { TENANT_CACHE_DEFAULTS, type TenantCacheOptions } from "./tenant-cache.js";

export { StoreError, transientFailure, type StoreErrorCode } from "./errors.js";
export type * from "./types.js";

/** The SQLite file used when no DATABASE_URL is given. */
export const DEFAULT_SQLITE_PATH = "./data/jobs-api.db";

export interface OpenStoreOptions {
  logger?: Logger;
  /** PostgreSQL: the most connections the pool opens (default 10). */
  maxConnections?: number;
  /** SQLite: how long a write waits for another connection's lock before failing (default 5000 ms). */
  sqliteBusyTimeoutMs?: number;
  /**
   * The in-process cache of key → organization and project lookups (server/store/tenant-cache.ts):
   * by default 10,000 entries each, used for 5 s after each read (the bound within which a key
   * rotated by another process stops working here). `{ maxEntries: 0 }` turns it off.
   */
  tenantCache?: Partial<TenantCacheOptions>;
}

/**
 * Opens (does not migrate) the store named by a database URL:
 * - undefined → SQLite at ./data/jobs-api.db (its folder is created);
 * - `sqlite:PATH` (also `sqlite://PATH`, `sqlite:///abs/path`), `sqlite::memory:` → SQLite;
 * - `postgres://...` or `postgresql://...` → PostgreSQL (a connection pool).
 */
export async function openStore(databaseUrl: string | undefined, opts: OpenStoreOptions = {}): Promise<Store> {
  const url = databaseUrl ?? `sqlite:${DEFAULT_SQLITE_PATH}`;
  if (url.startsWith("sqlite:")) return openSqliteStore(sqlitePath(url), opts);
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    // Loaded only when used: a SQLite command (an import, say) does not pay for pg's start-up.
    const { default: pg } = await import("pg");
    return openPostgresStore(pg, url, opts);
  }
  // Never echo the URL: it may hold a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(none)";
  throw new Error(
    `Unsupported DATABASE_URL scheme ${scheme}: use sqlite:PATH (e.g. sqlite:./data/jobs-api.db, sqlite::memory:) ` +
      "or postgres://USER:PASSWORD@HOST:PORT/DATABASE.",
  );
}

function sqlitePath(url: string): string {
  let path = url.slice("sqlite:".length);
  if (path.startsWith("//")) path = path.slice(2); // sqlite://rel/path, sqlite:///abs/path
  if (path === "") throw new Error("DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/jobs-api.db or sqlite::memory:");
  return path === ":memory:" ? path : resolve(path);
}

function openSqliteStore(path: string, opts: OpenStoreOptions): Store {
  const { database, raw } = openSqlite(path, { busyTimeoutMs: opts.sqliteBusyTimeoutMs });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return createStore({ db, backend: { dialect: "sqlite", raw, path }, logger: opts.logger, tenantCache: cacheOptions(opts) });
}

function openPostgresStore(pg: typeof import("pg").default, url: string, opts: OpenStoreOptions): Store {
  // int8 (bigint, count(*)) comes back from pg as a string by default, since it may exceed
  // 2^53; every int8 here (ids, epoch-ms times, counts) is far below, so parse it as a number.
  // Set per pool, not globally, so other pg users in the process are unaffected.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, "text", Number);
  const pool = new pg.Pool({ connectionString: withExplicitSslMode(url), max: opts.maxConnections ?? 10, types });
  // An idle connection that the server drops emits 'error' on the pool: log it rather than let
  // an unhandled 'error' event end the process. The pool replaces the connection.
  pool.on("error", (error) => opts.logger?.error({ err: error }, "PostgreSQL connection error"));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createStore({ db, backend: { dialect: "postgres", pool }, logger: opts.logger, tenantCache: cacheOptions(opts) });
}

function cacheOptions(opts: OpenStoreOptions): TenantCacheOptions {
  return { ...TENANT_CACHE_DEFAULTS, ...opts.tenantCache };
}
