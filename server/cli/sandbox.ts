// `jobs-api sandbox` (npm run sandbox): the reference server as a throwaway playground for a
// frontend. A fresh SQLite database in a temporary folder (removed on close), the demo data,
// CORS open to http://localhost:*, http://127.0.0.1:* and http://[::1]:*, any well-formed API key
// accepted as the demo organization's (so loopback only, and only for loopback Host names: see
// requireLoopbackHost), new jobs starting after a few seconds and deletions paced so that
// `running` lasts several seconds, and test mode (client/contract/test-mode.ts: scripted userIds
// and Prefer answers). Responses are still validated.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { ConfigError, databaseSettings, isLoopbackHost, loadConfig, type Config } from "../config.js";
import { DEMO_ORGANIZATION, DEMO_USERS, seedDemo } from "./demo.js";
import { DEMO_PACING_ENV, DEMO_SESSIONS_PER_USER, withDefaults } from "./demo-settings.js";
import { startServer, type RunningServer } from "../index.js";
import { openStore } from "../store/index.js";
import { JOB_SCRIPTS } from "../../client/contract/test-mode.js";

/**
 * The sandbox's settings, as environment values: the environment may still set any of them
 * (e.g. JOBS_START_DELAY=30s to have time to cancel, JOBS_PACE=off to run at full speed).
 */
export const SANDBOX_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  JOBS_START_DELAY: "3s",
  JOBS_POLL_INTERVAL: "500ms",
  ...DEMO_PACING_ENV, // paced as npm start's demo: a deletion stays running about 6 s
};
/** Allowed besides any CORS_ORIGINS given: a dev server on this machine, on any port. */
export const SANDBOX_CORS_ORIGINS: readonly string[] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];
/** Sessions of each demo user: at 20 a second, a deletion stays `running` about 6 seconds. */
export const SANDBOX_SESSIONS_PER_USER = DEMO_SESSIONS_PER_USER;

export interface RunningSandbox {
  server: RunningServer;
  /** The SQLite file, in a temporary folder that close() removes. */
  databaseFile: string;
  projectKey: string;
  /**
   * Stops the server and the runner, closes the database and deletes its folder; `now`: every
   * connection is closed at once (answers in progress are cut), also when a close is under way.
   */
  close(options?: { now?: boolean }): Promise<void>;
  /** Deletes the database folder at once (for a process exiting without close()). */
  removeDatabase(): void;
}

/**
 * The settings of a sandbox on `databaseFile`: the environment over SANDBOX_ENV_DEFAULTS, except
 * what makes it a sandbox (its own database, the runner and response validation on, localhost
 * CORS). Throws ConfigError when HOST is not a loopback address.
 */
export function sandboxConfig(env: Record<string, string | undefined>, databaseFile: string): Config {
  const config = loadConfig({ ...withDefaults(env, SANDBOX_ENV_DEFAULTS), DATABASE_URL: undefined });
  if (!isLoopbackHost(config.host)) {
    throw new ConfigError(
      `HOST=${config.host} is not a loopback address. The sandbox accepts any API key, so it only listens on ` +
        "127.0.0.1, ::1 or localhost; for a shared server, use `jobs-api serve`.",
    );
  }
  return {
    ...config,
    databaseUrl: `sqlite:${databaseFile}`,
    runner: true,
    validateResponses: true,
    corsOrigins: [...new Set([...SANDBOX_CORS_ORIGINS, ...config.corsOrigins])],
  };
}

export async function startSandbox(env: Record<string, string | undefined> = process.env): Promise<RunningSandbox> {
  sandboxConfig(env, "check.db"); // refuse a bad HOST before creating anything
  const folder = mkdtempSync(join(tmpdir(), "jobs-api-sandbox-"));
  const removeDatabase = () => rmSync(folder, { recursive: true, force: true });
  try {
    const databaseFile = join(folder, "sandbox.db");
    const config = sandboxConfig(env, databaseFile);
    const logger = pino({ level: config.logLevel });
    const store = await openStore(config.databaseUrl, { logger, ...databaseSettings(config) });
    try {
      await store.migrate();
      const demo = await seedDemo(store, {
        now: Date.now(),
        startDelay: config.startDelay,
        sessionsPerUser: SANDBOX_SESSIONS_PER_USER,
      });
      const organization = await store.findOrganizationByName(DEMO_ORGANIZATION);
      if (demo === undefined || organization === undefined) throw new Error("the sandbox database was not empty");
      logger.warn(
        { organization: organization.name, host: config.host },
        "SANDBOX MODE: every API key is accepted as the demo organization's key; never expose this server",
      );
      const server = await startServer({ config, logger, store, anyKeyAs: organization, testMode: true });
      let closing: Promise<void> | undefined;
      return {
        server,
        databaseFile,
        projectKey: demo.projectKey,
        removeDatabase,
        close: (options = {}) => {
          if (options.now) void server.closeNow();
          return (closing ??= (async () => {
            try {
              await server.close();
              await store.close();
            } finally {
              removeDatabase();
            }
          })());
        },
      };
    } catch (error) {
      await store.close();
      throw error;
    }
  } catch (error) {
    removeDatabase();
    throw error;
  }
}

/** What the sandbox prints at start: where it is, that any key works, and what to try. */
export function sandboxInstructions(sandbox: RunningSandbox): string {
  const { url, config } = sandbox.server;
  const key = "any-key";
  const seconds = (ms: number) => `${ms / 1000}s`;
  const delay =
    config.startDelay.kind === "midnight" ? "at the next 00:00 UTC" : `${seconds(config.startDelay.ms)} after they are scheduled`;
  const pace =
    config.paceSessionsPerSecond > 0
      ? `deletions are paced at ${config.paceSessionsPerSecond} sessions/s (${SANDBOX_SESSIONS_PER_USER} per demo user), ` +
        `so a job stays running about ${Math.ceil(SANDBOX_SESSIONS_PER_USER / config.paceSessionsPerSecond)}s`
      : "deletions are not paced (JOBS_PACE=off)";
  return [
    `jobs-api sandbox listening on ${url}`,
    "",
    "  !!! SANDBOX: ANY API KEY IS ACCEPTED (as the demo organization's). Loopback only; never expose it. !!!",
    "",
    `  Project key   ${sandbox.projectKey}`,
    `  API key       anything, e.g. ${key}`,
    `  Database      ${sandbox.databaseFile} (deleted on exit)`,
    `  CORS          ${config.corsOrigins.join(", ")} (":*" = any port)`,
    `  Jobs          new jobs start ${delay}; ${pace}`,
    `  Demo users    ${DEMO_USERS.join(", ")}`,
    `  Test mode     userIds ${JOB_SCRIPTS.map((script) => script.userId).join(", ")};`,
    "                Prefer: code=401|429|503 (times=N: the first N attempts only), delay=<ms> (docs/frontend.md, section Test mode)",
    "",
    "Try:",
    `  curl -s ${url}/api/v1/${sandbox.projectKey}/jobs -H 'Authorization: ${key}'`,
    `  curl -s -X DELETE ${url}/api/v1/${sandbox.projectKey}/users/ana@example.com -H 'Authorization: ${key}'`,
    "From a frontend:",
    `  createJobsClient({ baseUrl: "${url}", apiKey: "${key}" })`,
    "",
    "Ctrl-C stops the sandbox and deletes its database.",
  ].join("\n");
}
