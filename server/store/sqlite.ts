// Opens the store's SQLite connections (better-sqlite3): the store's own, the deletion worker's and
// the import's, each with the same pragmas from the settings (configure, below), and for Kysely's
// SqliteDialect with a small prepared-statement cache.
//
// Why the cache: Kysely's SQLite driver calls db.prepare(sql) for every query, and preparing
// (parsing and planning) costs more than running the hot queries themselves (an API key lookup,
// a job by id: one index probe each). Kysely compiles the same SQL text for the same query shape
// (values are parameters), so keying prepared statements by their SQL text makes the second and
// later calls skip the prepare. Safe because Kysely's driver runs one query at a time on its one
// connection (a mutex), so a cached statement is never in use twice at once; SQLite re-prepares
// a cached statement by itself after a schema change. Bounded (least recently used goes first)
// because some SQL varies in shape, such as a multi-row INSERT's row count.
//
// Every statement's failure for a busy database (another process holds the write lock past
// busy_timeout) is raised as the store's own StoreError "busy": callers never see a driver code.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import type { DatabaseSettings } from "../config.js";
import { busyOrAsIs } from "./errors.js";

const CACHE_SIZE = 200;

export interface OpenedSqlite {
  /** What Kysely's SqliteDialect is given: prepare() answers cached statements. */
  database: SqliteDatabase;
  /** The raw connection (migrate() uses it for BEGIN IMMEDIATE). */
  raw: BetterSqlite3.Database;
}

/** What a connection is for: the store's (the API's, the deletion worker's), or the import's, which gets a larger page cache. */
export type SqliteConnectionRole = "store" | "import";

/**
 * The import connection's page cache (KiB): with SQLite's default 2 MB, pages spill to the WAL
 * and are read back (bench/README.md, import). It bounds the import's memory whatever the file's size.
 */
export const IMPORT_CACHE_KIB = 65_536;

/** Opens a connection with the pragmas every connection of the store gets (see configure). */
export function openSqlite(
  path: string,
  settings: Pick<DatabaseSettings, "sqliteBusyTimeoutMs">,
  role: SqliteConnectionRole = "store",
): OpenedSqlite {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = new BetterSqlite3(path);
  configure(raw, settings, role);
  const cache = new Map<string, SqliteStatement>();
  const database: SqliteDatabase = {
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement !== undefined) {
        // Map keeps insertion order: move the hit to the end, so the first entry is the oldest.
        cache.delete(sql);
      } else {
        statement = busyAware(raw, sql);
        if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
  return { database, raw };
}

/** A prepared statement whose busy-database failures are StoreErrors (see the top of this file). */
function busyAware(raw: BetterSqlite3.Database, sql: string): SqliteStatement {
  const statement = translated(() => raw.prepare(sql));
  return {
    reader: statement.reader,
    all: (parameters) => translated(() => statement.all(parameters)),
    run: (parameters) => translated(() => statement.run(parameters)),
    iterate: (parameters) => translated(() => statement.iterate(parameters)),
  };
}

/**
 * The one place the store's SQLite connections are set up (the store's, the deletion worker's,
 * the import's). WAL: readers do not block the writer and the writer does not block readers
 * (another process reading the file, for instance). synchronous=NORMAL is durable against a
 * process crash and the usual choice with WAL. busy_timeout (SQLITE_BUSY_TIMEOUT): wait for
 * another connection's write lock rather than fail at once. foreign_keys: SQLite does not check
 * them unless told to, per connection.
 */
function configure(raw: BetterSqlite3.Database, settings: Pick<DatabaseSettings, "sqliteBusyTimeoutMs">, role: SqliteConnectionRole): void {
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  raw.pragma(`busy_timeout = ${Math.trunc(settings.sqliteBusyTimeoutMs)}`);
  raw.pragma("foreign_keys = ON");
  if (role === "import") raw.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
}

function translated<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw busyOrAsIs(error);
  }
}
