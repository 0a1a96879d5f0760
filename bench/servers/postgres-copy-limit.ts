// The limit of the import part on PostgreSQL: the same NDJSON file read line by line, parsed and
// streamed into one COPY sessions ... FROM STDIN (pg-copy-streams), with no checks and no project
// lookups. argv: FILE DATABASE_URL PROJECT_ID. Answers { ready, ms, lines } over IPC.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

const [file, url, projectId] = process.argv.slice(2) as [string, string, string];
const client = new pg.Client({ connectionString: url });
await client.connect();
let lines = 0;
async function* text(): AsyncIterable<string> {
  let chunk = "";
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const row = JSON.parse(line) as { sessionId: string; userId: string; startedAt: number };
    chunk += `${row.sessionId}\t${projectId}\t${row.userId}\t${row.startedAt}\t\\N\t\\N\n`;
    lines++;
    if (chunk.length > 100_000) {
      yield chunk;
      chunk = "";
    }
  }
  yield chunk;
}
const started = performance.now();
await pipeline(
  Readable.from(text()),
  client.query(copyFrom("COPY sessions (session_id, project_id, user_id, started_at, user_agent, duration_ms) FROM STDIN")),
);
const ms = performance.now() - started;
await client.end();
process.send!({ ready: true, ms, lines }, () => process.exit(0));
