// Sessions, the data a delete_user_data job removes: the all-or-nothing import (`jobs-api
// import-sessions`, the demo). The runner's deletions are in claims.ts.
import { Kysely, SqliteDialect, type Transaction } from "kysely";
import type { StoreContext } from "./context.js";
import { DuplicateSessionError, rethrowAs } from "./errors.js";
import type { Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";
import type { SessionRow, SessionsStore } from "./types.js";

/**
 * Rows per multi-row INSERT of sessions: 6 parameters a row = 6,000 parameters, well under
 * SQLite's 32,766 variables and PostgreSQL's 65,535 parameters a statement. Larger statements
 * gain little, and a fixed size lets SQLite reuse one prepared statement.
 */
const SESSION_ROWS_PER_INSERT = 1000;

export function sessionsStore({ db, backend }: StoreContext): SessionsStore {
  return {
    async importSessions(rows) {
      const importAll = (trx: Transaction<Database>) => insertSessions(trx, rows);
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
        throw new DuplicateSessionError(error.row, stored !== undefined);
      };
      if (backend.dialect === "sqlite" && backend.path !== ":memory:") {
        // SQLite: the import's transaction runs on a connection of its own. Kysely's SQLite driver
        // has one connection and holds it for a whole transaction, so a store call made while the
        // iterable produces rows (looking a project up, say) would wait for the import forever.
        // Another connection is what another process would be: reads go on, writes wait their
        // turn (busy_timeout). An in-memory database cannot be opened twice: there the iterable
        // must not call the store.
        const own = new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(backend.path).database }) });
        try {
          return await own.transaction().execute(importAll).catch(fail);
        } finally {
          await own.destroy();
        }
      }
      return db.transaction().execute(importAll).catch(fail);
    },
  };
}

/** Thrown inside the import's transaction (which rolls back); importSessions says more. */
class Duplicate extends Error {
  constructor(readonly row: SessionRow) {
    super(`duplicate session id ${row.sessionId}`);
  }
}

/**
 * Consumes the iterable chunk by chunk, in multi-row INSERTs of a bounded size. A session id
 * its project already has is skipped by ON CONFLICT DO NOTHING rather than failing the
 * statement, so the rows it returns tell exactly which input row was the duplicate.
 */
async function insertSessions(trx: Transaction<Database>, chunks: AsyncIterable<SessionRow[]>): Promise<number> {
  let count = 0;
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += SESSION_ROWS_PER_INSERT) {
      const values = chunk.slice(start, start + SESSION_ROWS_PER_INSERT).map((row) => ({
        session_id: row.sessionId,
        project_id: row.projectId,
        user_id: row.userId,
        started_at: row.startedAt,
        user_agent: row.userAgent ?? null,
        duration_ms: row.durationMs ?? null,
      }));
      const inserted = await trx
        .insertInto("sessions")
        .values(values)
        .onConflict((conflict) => conflict.columns(["project_id", "session_id"]).doNothing())
        .returning(["project_id", "session_id"])
        .execute();
      if (inserted.length < values.length)
        throw new Duplicate(firstNotInserted(chunk.slice(start, start + SESSION_ROWS_PER_INSERT), inserted));
      count += values.length;
    }
  }
  return count;
}

/** The first row (in input order) that the INSERT skipped: one occurrence more than it inserted. */
function firstNotInserted(rows: SessionRow[], inserted: Array<{ project_id: number; session_id: string }>): SessionRow {
  const key = (projectId: number, sessionId: string) => `${projectId}\u0000${sessionId}`;
  const left = new Map<string, number>();
  for (const row of inserted)
    left.set(key(Number(row.project_id), row.session_id), (left.get(key(Number(row.project_id), row.session_id)) ?? 0) + 1);
  for (const row of rows) {
    const k = key(row.projectId, row.sessionId);
    const remaining = left.get(k) ?? 0;
    if (remaining === 0) return row;
    left.set(k, remaining - 1);
  }
  throw new Error("an INSERT skipped a row, but every row was inserted");
}
