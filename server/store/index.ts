// openStore: DATABASE_URL → a Store over SQLite (the default) or PostgreSQL.
import { resolve } from "node:path";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import type { Logger } from "pino";
import { DEFAULTS, databaseSettings, type DatabaseSettings } from "../config.js";
import { closingTimedOut, postgresConnections } from "./postgres.js";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";
import { createStore } from "./store.js";
import type { Store } from "./types.js";
import { TENANT_CACHE_DEFAULTS, type TenantCacheOptions } from "./tenant-cache.js";

export { StoreError, transientFailure, type StoreErrorCode } from "./errors.js";
export type * from "./types.js";

/** The SQLite file used when no DATABASE_URL is given. */
export const DEFAULT_SQLITE_PATH = "./data/jobs-api.db";

/**
 * The connection settings (SQLITE_BUSY_TIMEOUT, DATABASE_CONNECT_TIMEOUT,
 * DATABASE_STATEMENT_TIMEOUT: server/config.ts, their defaults when not given), and:
 */
export interface OpenStoreOptions extends Partial<DatabaseSettings> {
  logger?: Logger;
  /** PostgreSQL: the most connections the pool opens (default 10). */
  maxConnections?: number;
  /**
   * The in-process cache of key → organization and project lookups (server/store/tenant-cache.ts):
   * by default 10,000 entries each, used for 5 s after each read. `{ maxEntries: 0 }` turns it off.
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
  const settings = databaseSettings({ ...DEFAULTS, ...definedOnly(opts) });
  if (url.startsWith("sqlite:")) return openSqliteStore(sqlitePath(url), settings, opts);
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    // Loaded only when used: a SQLite command (an import, say) does not pay for pg's start-up.
    const { default: pg } = await import("pg");
    return openPostgresStore(pg, url, settings, opts);
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

function openSqliteStore(path: string, settings: DatabaseSettings, opts: OpenStoreOptions): Store {
  const { database, raw } = openSqlite(path, settings);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return createStore({ db, backend: { dialect: "sqlite", raw, path, settings }, logger: opts.logger, tenantCache: cacheOptions(opts) });
}

function openPostgresStore(pg: typeof import("pg").default, url: string, settings: DatabaseSettings, opts: OpenStoreOptions): Store {
  const connections = postgresConnections(pg, url, settings, opts.logger);
  const pool = connections.pool("store", opts.maxConnections ?? 10);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: closingTimedOut(pool) }) });
  return createStore({ db, backend: { dialect: "postgres", pool, connections }, logger: opts.logger, tenantCache: cacheOptions(opts) });
}

/** The options that are set: `{ sqliteBusyTimeoutMs: undefined }` keeps the default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function cacheOptions(opts: OpenStoreOptions): TenantCacheOptions {
  return { ...TENANT_CACHE_DEFAULTS, ...opts.tenantCache };
}
