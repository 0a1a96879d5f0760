// Sessions, the data a delete_user_data job removes: the all-or-nothing import (`jobs-api
// sessions import`, the demo). The runner's deletions are in claims.ts.
//
// The import is each database's bulk path, with no query built per row or per chunk:
// - SQLite: prepared INSERTs, prepared once and run inside one transaction: one of
//   ROWS_PER_INSERT rows for full groups and one of a single row for the rest; on a connection
//   of its own, with a larger page cache (sqlite.ts: the indexes of sessions are written at
//   random places, and a cache that holds them is what keeps inserting at SQLite's speed).
// - PostgreSQL: one COPY ... FROM STDIN (pg-copy-streams), rows streamed in the text format with
//   backpressure. One statement: all or nothing by itself. On a connection of its own, without
//   the request paths' statement timeout (postgres.ts): a large import takes as long as it takes.
// Memory stays bounded: rows are consumed chunk by chunk as the iterable produces them.
//
// A duplicate session id fails the import, and the error names exactly which row of the input it
// was (its index): SQLite replays the failed group row by row to find it; PostgreSQL says it in
// the error's context ("COPY sessions, line N": exact, even with COPY's buffered inserts) and
// the key in its detail. Whether the session was stored before is looked up after the rollback.
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type BetterSqlite3 from "better-sqlite3";
import { from as copyFrom } from "pg-copy-streams";
import type { StoreContext } from "./context.js";
import { DuplicateSessionError, busyOrAsIs, rethrowAs } from "./errors.js";
import { openSqlite } from "./sqlite.js";
import type { SessionRow, SessionsStore } from "./types.js";

const COLUMNS = "session_id, project_id, user_id, started_at, user_agent, duration_ms";
/** Rows per multi-row INSERT: 600 parameters, far under SQLite's 32,766; larger gains nothing measurable. */
const ROWS_PER_INSERT = 100;
const insertOf = (rows: number) => `INSERT INTO sessions (${COLUMNS}) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`;
const COPY = `COPY sessions (${COLUMNS}) FROM STDIN`;

/** Thrown inside the import (which rolls back); importSessions then says whether it was stored before. */
class Duplicate extends Error {
  constructor(
    readonly row: { sessionId: string; projectId: number },
    readonly index: number,
    options?: { cause?: unknown },
  ) {
    super(`duplicate session id ${row.sessionId}`, options);
  }
}

export function sessionsStore({ db, backend }: StoreContext): SessionsStore {
  const rethrow = rethrowAs({
    duplicate: "Nothing was imported: a session id is already in its project, or appears twice in the input.",
    "unknown-reference": "Nothing was imported: a session names a project that does not exist.",
    invalid: "Nothing was imported: a session lacks a required value.",
  });
  const fail = async (error: unknown): Promise<never> => {
    if (!(error instanceof Duplicate)) return rethrow(error);
    // Rolled back by now: the session is in the database only if it was there before.
    const stored = await db
      .selectFrom("sessions")
      .select("id")
      .where("project_id", "=", error.row.projectId)
      .where("session_id", "=", error.row.sessionId)
      .executeTakeFirst();
    throw new DuplicateSessionError(error.row, stored !== undefined, error.index);
  };
  return {
    async importSessions(rows) {
      if (backend.dialect === "postgres") {
        const client = backend.connections.client("import");
        let failure: { error: unknown } | undefined;
        try {
          await client.connect();
          return await copyAll(client.query(copyFrom(COPY)), rows);
        } catch (error) {
          failure = { error };
        } finally {
          await client.end().catch(() => undefined);
        }
        return fail(duplicateOfCopy(failure.error) ?? failure.error);
      }
      if (backend.path !== ":memory:") {
        // The import's transaction runs on a connection of its own. Kysely's SQLite driver has one
        // connection and holds it for a whole transaction, so a store call made while the iterable
        // produces rows (looking a project up, say) would wait for the import forever. Another
        // connection is what another process would be: reads go on, writes wait their turn
        // (busy_timeout).
        const { raw } = openSqlite(backend.path, backend.settings, "import");
        try {
          raw.exec("BEGIN IMMEDIATE");
          try {
            const count = await insertAll(raw, rows);
            raw.exec("COMMIT");
            return count;
          } catch (error) {
            if (raw.inTransaction) raw.exec("ROLLBACK");
            throw error;
          }
        } catch (error) {
          return await fail(busyOrAsIs(error));
        } finally {
          raw.close();
        }
      }
      // An in-memory database cannot be opened twice: the import runs in a Kysely transaction on
      // the store's one connection (the iterable must not call the store: it would wait forever),
      // with the same prepared INSERTs on that connection.
      const { raw } = backend;
      return db
        .transaction()
        .execute(() => insertAll(raw, rows))
        .catch(fail);
    },
  };
}

/**
 * Runs the prepared INSERTs for every row, chunk by chunk as they come; a group of rows is
 * ROWS_PER_INSERT rows, whatever the chunks' sizes. Plain INSERTs, faster than ON CONFLICT
 * (bench/README.md, import): a duplicate fails its statement, which SQLite undoes alone, and the
 * group is then replayed row by row to find which row it was.
 */
async function insertAll(raw: BetterSqlite3.Database, chunks: AsyncIterable<SessionRow[]>): Promise<number> {
  const many = raw.prepare(insertOf(ROWS_PER_INSERT));
  const one = raw.prepare(insertOf(1));
  const parameters: unknown[] = [];
  /** The rows of the group being filled (replayed when its INSERT fails). */
  const group: SessionRow[] = [];
  let count = 0;
  const run = (statement: BetterSqlite3.Statement, rows: SessionRow[]) => {
    try {
      statement.run(parameters);
    } catch (error) {
      throw statement === many ? replay(one, rows, count, error) : duplicateOf(error, rows[0]!, count);
    } finally {
      parameters.length = 0;
    }
    count += rows.length;
    rows.length = 0;
  };
  for await (const chunk of chunks) {
    for (const row of chunk) {
      parameters.push(row.sessionId, row.projectId, row.userId, row.startedAt, row.userAgent ?? null, row.durationMs ?? null);
      group.push(row);
      if (group.length === ROWS_PER_INSERT) run(many, group);
    }
  }
  // The last rows, fewer than a group: one at a time.
  const rest = group.splice(0);
  parameters.length = 0;
  for (const row of rest) {
    parameters.push(row.sessionId, row.projectId, row.userId, row.startedAt, row.userAgent ?? null, row.durationMs ?? null);
    run(one, [row]);
  }
  return count;
}

/**
 * A multi-row INSERT failed: insert its rows one at a time (statement by statement, in the same
 * transaction) until one fails, and answer that failure, a Duplicate naming the row when it is
 * one. `first` is the group's first row's index in the input.
 */
function replay(one: BetterSqlite3.Statement, rows: SessionRow[], first: number, groupError: unknown): unknown {
  if (!isUniqueViolation(groupError)) return groupError;
  for (const [i, row] of rows.entries()) {
    try {
      one.run(row.sessionId, row.projectId, row.userId, row.startedAt, row.userAgent ?? null, row.durationMs ?? null);
    } catch (error) {
      return duplicateOf(error, row, first + i);
    }
  }
  return groupError;
}

function duplicateOf(error: unknown, row: SessionRow, index: number): unknown {
  return isUniqueViolation(error) ? new Duplicate({ sessionId: row.sessionId, projectId: row.projectId }, index, { cause: error }) : error;
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE";
}

/** Streams every row into an open COPY FROM STDIN; an error of the iterable ends it with CopyFail (nothing kept). */
async function copyAll(copy: Writable, chunks: AsyncIterable<SessionRow[]>): Promise<number> {
  let count = 0;
  const text = async function* () {
    for await (const chunk of chunks) {
      count += chunk.length;
      yield copyText(chunk);
    }
  };
  await pipeline(Readable.from(text()), copy);
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
function copyValue(value: string): string {
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** The key in a unique violation's detail: `Key (project_id, session_id)=(7, abc) already exists.` */
const KEY = "(project_id, session_id)=(";

/**
 * A unique violation of COPY sessions as a Duplicate, or undefined when the error is not one (or
 * does not say which row). The row is the `line N` of the error's context (one row a line: COPY's
 * text format escapes line breaks); the key is in its detail, project id first (digits, so the
 * session id is what follows its comma, up to the key's closing parenthesis, the last one: the
 * message around the key may be translated, but not into parentheses).
 */
function duplicateOfCopy(error: unknown): Duplicate | undefined {
  const { code, where, detail } = (error ?? {}) as { code?: unknown; where?: unknown; detail?: unknown };
  if (code !== "23505" || typeof where !== "string" || typeof detail !== "string") return undefined;
  // "COPY sessions, line 2500" (the word "line" may be translated: the first number after the table).
  const line = /^COPY sessions\D*(\d+)/.exec(where);
  const start = detail.indexOf(KEY);
  const end = detail.lastIndexOf(")");
  if (line === null || start < 0) return undefined;
  const key = /^(\d+), /.exec(detail.slice(start + KEY.length));
  if (key === null || end < start + KEY.length + key[0].length) return undefined;
  const sessionId = detail.slice(start + KEY.length + key[0].length, end);
  return new Duplicate({ sessionId, projectId: Number(key[1]) }, Number(line[1]) - 1, { cause: error });
}
