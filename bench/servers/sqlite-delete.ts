// The limit of the runner part on SQLite: one DELETE statement removing every session of one
// user, on the servers' core, with the connection settings the server uses (server/store/
// sqlite.ts). argv: DB_PATH PROJECT_ID USER_ID. Answers { ready, ms, deleted } over IPC.
import BetterSqlite3 from "better-sqlite3";

const [path, projectId, userId] = process.argv.slice(2) as [string, string, string];
const db = new BetterSqlite3(path);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 30000");
db.pragma("foreign_keys = ON");
const statement = db.prepare("DELETE FROM sessions WHERE project_id = ? AND user_id = ?");
const started = performance.now();
const { changes } = statement.run(Number(projectId), userId);
const ms = performance.now() - started;
db.close();
process.send!({ ready: true, ms, deleted: changes }, () => process.exit(0));
