// The limit of the import part on SQLite: the same NDJSON file read line by line, parsed and
// inserted with one prepared statement in one transaction, with the import's connection settings
// (the server's, and the import's larger page cache).
// argv: FILE DB_PATH PROJECT_ID. Answers { ready, ms, lines } over IPC.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import BetterSqlite3 from "better-sqlite3";
import { IMPORT_CACHE_KIB } from "../../server/store/sqlite.js";

const [file, path, projectId] = process.argv.slice(2) as [string, string, string];
const db = new BetterSqlite3(path);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("foreign_keys = ON");
db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
const insert = db.prepare("INSERT INTO sessions (session_id, project_id, user_id, started_at) VALUES (?, ?, ?, ?)");
const started = performance.now();
let lines = 0;
db.exec("BEGIN");
for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  const row = JSON.parse(line) as { sessionId: string; userId: string; startedAt: number };
  insert.run(row.sessionId, Number(projectId), row.userId, row.startedAt);
  lines++;
}
db.exec("COMMIT");
const ms = performance.now() - started;
db.close();
process.send!({ ready: true, ms, lines }, () => process.exit(0));
