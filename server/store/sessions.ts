// Sessions, the data a delete_user_data job removes: the all-or-nothing import (`jobs-api
// import-sessions`, the demo). The runner's deletions are in claims.ts.
import { Kysely, SqliteDialect, type Transaction } from "kysely";
import type { StoreContext } from "./context.js";
import { rethrowAs } from "./errors.js";
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
      const fail = rethrowAs({
        duplicate: "Nothing was imported: a session id is already in its project, or appears twice in the input.",
        "unknown-reference": "Nothing was imported: a session names a project that does not exist.",
        invalid: "Nothing was imported: a session lacks a required value.",
      });
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

/** Consumes the iterable chunk by chunk, in multi-row INSERTs of a bounded size. */
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
      await trx.insertInto("sessions").values(values).execute();
      count += values.length;
    }
  }
  return count;
}
