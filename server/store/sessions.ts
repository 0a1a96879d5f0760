// Sessions, the data a delete_user_data job removes: the all-or-nothing import (`jobs-api
// sessions import`, the demo). The runner's deletions are in claims.ts.
//
// The import is the bulk path of each database, with no query built per row or per chunk:
// - SQLite: two prepared INSERTs, prepared once and run inside one transaction: one of
//   ROWS_PER_INSERT rows for full groups (about a quarter cheaper a row than one row a statement)
//   and one of a single row for the rest; on a connection of its own, with a larger page cache
//   (the two indexes of sessions are written at random places, and a cache that holds them is
//   what keeps inserting at SQLite's speed);
// - PostgreSQL: one COPY ... FROM STDIN (pg-copy-streams), rows streamed in the text format with
//   backpressure. One statement: all or nothing by itself.
// Memory stays bounded: rows are consumed chunk by chunk as the iterable produces them.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type BetterSqlite3 from "better-sqlite3";
import { from as copyFrom } from "pg-copy-streams";
import type { StoreContext } from "./context.js";
import { rethrowAs } from "./errors.js";
import { openSqlite } from "./sqlite.js";
import type { SessionRow, SessionsStore } from "./types.js";

const COLUMNS = "session_id, project_id, user_id, started_at, user_agent, duration_ms";
/** Rows per multi-row INSERT: 600 parameters, far under SQLite's 32,766; larger gains nothing measurable. */
const ROWS_PER_INSERT = 100;
const insertOf = (rows: number) => `INSERT INTO sessions (${COLUMNS}) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;
const COPY = `COPY sessions (${COLUMNS}) FROM STDIN`;

/**
 * The import connection's page cache (SQLite, KiB): measured on 1,000,000 sessions, the default
 * 2 MB made inserting about twice as slow (pages spilled to the WAL and read back). It bounds the
 * import's memory whatever the file's size (bench/README.md, import).
 */
export const IMPORT_CACHE_KIB = 65_536;

export function sessionsStore({ db, backend }: StoreContext): SessionsStore {
  const fail = rethrowAs({
    duplicate: "Nothing was imported: a session id is already in its project, or appears twice in the input.",
    "unknown-reference": "Nothing was imported: a session names a project that does not exist.",
    invalid: "Nothing was imported: a session lacks a required value.",
  });
  return {
    async importSessions(rows) {
      if (backend.dialect === "postgres") {
        const client = await backend.pool.connect();
        let failed = false;
        try {
          const copy = client.query(copyFrom(COPY));
          let count = 0;
          const text = async function* () {
            for await (const chunk of rows) {
              count += chunk.length;
              yield copyText(chunk);
            }
          };
          // An error of the iterable ends the COPY with CopyFail (the server keeps nothing).
          await pipeline(Readable.from(text()), copy);
          return count;
        } catch (error) {
          failed = true;
          return fail(error);
        } finally {
          // After a failed COPY the connection is closed rather than reused: nothing of it lingers.
          client.release(failed);
        }
      }
      if (backend.path !== ":memory:") {
        // The import's transaction runs on a connection of its own. Kysely's SQLite driver has one
        // connection and holds it for a whole transaction, so a store call made while the iterable
        // produces rows (looking a project up, say) would wait for the import forever. Another
        // connection is what another process would be: reads go on, writes wait their turn
        // (busy_timeout).
        const { raw } = openSqlite(backend.path);
        try {
          raw.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
          raw.exec("BEGIN");
          try {
            const count = await insertAll(raw, rows);
            raw.exec("COMMIT");
            return count;
          } catch (error) {
            if (raw.inTransaction) raw.exec("ROLLBACK");
            throw error;
          }
        } catch (error) {
          return fail(error);
        } finally {
          raw.close();
        }
      }
      // An in-memory database cannot be opened twice: the import runs in a Kysely transaction on
      // the store's one connection (the iterable must not call the store: it would wait forever),
      // with the same prepared INSERT on that connection.
      const { raw } = backend;
      return db.transaction().execute(() => insertAll(raw, rows)).catch(fail);
    },
  };
}

/** Runs the prepared INSERTs for every row, chunk by chunk as they come. */
async function insertAll(raw: BetterSqlite3.Database, chunks: AsyncIterable<SessionRow[]>): Promise<number> {
  const many = raw.prepare(insertOf(ROWS_PER_INSERT));
  const one = raw.prepare(insertOf(1));
  const parameters: unknown[] = [];
  let count = 0;
  for await (const chunk of chunks) {
    for (const row of chunk) {
      parameters.push(row.sessionId, row.projectId, row.userId, row.startedAt, row.userAgent ?? null, row.durationMs ?? null);
      if (parameters.length === ROWS_PER_INSERT * 6) {
        many.run(parameters);
        parameters.length = 0;
      }
    }
    count += chunk.length;
  }
  for (let i = 0; i < parameters.length; i += 6) one.run(parameters.slice(i, i + 6));
  return count;
}

/** Rows in COPY's text format: tab-separated columns, \N for NULL, one row a line. */
function copyText(chunk: SessionRow[]): string {
  let text = "";
  for (const row of chunk) {
    text +=
      `${copyValue(row.sessionId)}\t${row.projectId}\t${copyValue(row.userId)}\t${row.startedAt}\t` +
      `${row.userAgent == null ? "\\N" : copyValue(row.userAgent)}\t${row.durationMs == null ? "\\N" : row.durationMs}\n`;
  }
  return text;
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A text value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyValue(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}
