#!/usr/bin/env node
// The jobs-api command: serve, project, org, sessions, demo. Settings for `serve` come from the
// environment (config.ts); administrative commands print JSON with --json for scripts.
import { existsSync, readFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import type { Readable } from "node:stream";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { ConfigError, databaseSettings, loadConfig, type Config } from "../config.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/types.js";
import { createLogger, createStartupLogger } from "../logger.js";
import { ImportLineError } from "./import-lines.js";
import { describeDatabase, explainError, explainInputFileError } from "./messages.js";
import { DEMO_SERVE_ENV_DEFAULTS, withDefaults } from "./demo-settings.js";
// The HTTP server, the sandbox, the demo, the import and the spec's rules are loaded by the
// commands that use them (dynamic imports): the administrative commands, `sessions import` first,
// must not pay for loading Express and the validator (a large share of a short import's time).

class UsageError extends Error {}

function settings(): Config {
  return loadConfig(process.env);
}

/** Help text: the database a command works on, as the environment says now. */
const databaseHelp = (verb: string) => () =>
  `\n${verb}: ${describeDatabase(process.env.DATABASE_URL || undefined)}.\nSet DATABASE_URL to use another (sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE).`;

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const config = settings();
  const logger = createLogger({ level: "warn", format: config.logFormat, destination: process.stderr });
  const store = await openStore(config.databaseUrl, { logger, ...databaseSettings(config) });
  try {
    await store.migrate();
    return await run(store);
  } finally {
    await store.close();
  }
}

/** The file to import, open for reading; a UsageError that says why not (no such file, a folder...). */
async function openInputFile(file: string): Promise<Readable> {
  let handle: FileHandle;
  try {
    handle = await open(file);
  } catch (error) {
    throw new UsageError(explainInputFileError(error, file));
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new UsageError(explainInputFileError({ code: "EISDIR" }, file));
  }
  // 1 MiB reads: a sixteenth of the read calls of the default 64 KiB.
  return handle.createReadStream({ highWaterMark: 1 << 20 });
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + "\n" : text + "\n");
}

/**
 * The server package's version: its package.json is the first one above this file, from the
 * sources (server/cli.ts) as from the build (server/dist/server/cli.js, or node_modules/...).
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
    if (dirname(dir) === dir) return "unknown";
  }
}

const program = new Command()
  .name("jobs-api")
  .description("The reference server of OpenReplay's Jobs API, and its administration commands.")
  .version(packageVersion(), "-V, --version", "print the version (the API contract's version)")
  .showHelpAfterError()
  .exitOverride()
  .addHelpText("after", databaseHelp("Database"));

program
  .command("serve")
  .description(
    "Start the HTTP API and the job runner. Settings come from the environment: PORT, HOST, DATABASE_URL, " +
      "JOBS_START_DELAY, JOBS_POLL_INTERVAL, JOBS_BATCH_SIZE, JOBS_BATCH_TIME, JOBS_LEASE, JOBS_PACE, JOBS_RUNNER, LOG_LEVEL, LOG_FORMAT, CORS_ORIGINS, " +
      "RESPONSE_VALIDATION, RATE_LIMIT, RATE_LIMIT_WINDOW, RATE_LIMIT_STORE, METRICS, METRICS_PORT, METRICS_HOST, SHUTDOWN_DRAIN " +
      "(see docs/server.md and docs/operations.md).",
  )
  .option(
    "--demo",
    "on an empty database, create the demo organization and project first (on later starts, refill the sessions of " +
      "the user whose deletion the printed lines request), and print how to try them; unless set, " +
      Object.entries(DEMO_SERVE_ENV_DEFAULTS)
        .map(([name, value]) => `${name}=${value}`)
        .join(", ") +
      " (a job starts soon and stays running a few seconds)",
  )
  .addHelpText("after", databaseHelp("Serves"))
  .action(async (options: { demo?: boolean }) => {
    const config = options.demo ? loadConfig(withDefaults(process.env, DEMO_SERVE_ENV_DEFAULTS)) : settings();
    const [{ startServer }, { demoInstructions, restoreTryUserSessions, seedDemo }, { demoCredentialsFor }] = await Promise.all([
      import("../index.js"),
      import("./demo.js"),
      import("./demo-credentials.js"),
    ]);
    // The lines of start-up (migrations, the runner's start) are written before the banner, which
    // comes out in one piece (one write) after them.
    const { logger, startupDone } = createStartupLogger({ level: config.logLevel, format: config.logFormat });
    const running = await startServer({ config, logger }).catch((error: unknown) => {
      throw Object.assign(error as Error, { ports: { api: config.port, metrics: config.metricsPort } });
    });
    // Before the "listening" line: a signal sent as soon as it is read must find the handlers.
    // SIGTERM (an orchestrator): /readyz fails at once, requests are served for SHUTDOWN_DRAIN,
    // then the server closes. SIGINT (Ctrl-C at a terminal): close now. A second signal: close now.
    const shutdown = (signal: string, drainMs: number) => {
      const drain = running.lifecycle.shuttingDown ? 0 : drainMs;
      process.stderr.write(
        drain > 0
          ? `${signal}: not ready any more; serving for ${drain} ms (SHUTDOWN_DRAIN), then finishing the batch in flight and closing the database\n`
          : `${signal}: finishing the batch in flight and closing the database\n`,
      );
      running.drainAndClose(drain).then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM", config.shutdownDrainMs));
    process.on("SIGINT", () => shutdown("SIGINT", 0));
    const log = running.runner ? "with the job runner" : "API only (JOBS_RUNNER=off)";
    const banner = [
      `jobs-api listening on ${running.url} (${running.store.dialect}, ${log})`,
      `  database: ${describeDatabase(config.databaseUrl)}`,
    ];
    if (running.metricsUrl) banner.push(`  metrics: ${running.metricsUrl}`);
    else if (running.metrics) banner.push("  metrics: not served (METRICS_PORT is not set; see docs/operations.md)");
    if (options.demo) {
      const credentials = demoCredentialsFor(config.databaseUrl);
      const now = Date.now();
      const created = await seedDemo(running.store, { now, startDelay: config.startDelay });
      const keyNote = created ? credentials.save(created) : undefined;
      const known = created ? { credentials: created, note: keyNote! } : await credentials.load(running.store);
      if ("credentials" in known) {
        if (!created) await restoreTryUserSessions(running.store, { projectId: known.credentials.projectId, now });
        const instructions = await demoInstructions(running.url, known.credentials, {
          store: running.store,
          keyNote: known.note,
          startDelay: config.startDelay,
          paceSessionsPerSecond: config.paceSessionsPerSecond,
        });
        banner.push("", instructions, "");
      } else banner.push("", known.problem, "");
    }
    process.stderr.write(`${banner.join("\n")}\n`);
    startupDone();
  });

program
  .command("migrate")
  .description("Apply the pending database migrations, then exit (serve does it too, at start): for a migration role.")
  .addHelpText("after", databaseHelp("Migrates"))
  .action(async () => {
    await withStore(async () => undefined);
    process.stdout.write(`${describeDatabase(process.env.DATABASE_URL || undefined)}: every migration is applied\n`);
  });

program
  .command("sandbox")
  .description(
    "Start a throwaway local server for frontend work: a temporary SQLite database with the demo data (deleted on " +
      "exit), ANY API key accepted as the demo organization's, CORS open to http://localhost:*, http://127.0.0.1:* and http://[::1]:*, " +
      "jobs starting after 3s and deletions paced so they stay running a few seconds. Loopback HOST (and Host names) only.",
  )
  .action(async () => {
    const { sandboxInstructions, startSandbox } = await import("./sandbox.js");
    const sandbox = await startSandbox(process.env);
    // A last resort if the process ends without the signal handlers below (an uncaught error).
    process.once("exit", () => sandbox.removeDatabase());
    let signalled = false;
    const shutdown = (signal: string) => {
      // A second signal: close every connection now (a client that never finishes its request
      // must not keep the sandbox up), still deleting the database.
      process.stderr.write(`${signal}: stopping the sandbox${signalled ? " now" : ""} and deleting its database\n`);
      const now = signalled;
      signalled = true;
      sandbox.close({ now }).then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    // SIGHUP too: closing the terminal it runs in must not leave the database behind.
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => shutdown(signal));
    // After the handlers: a signal sent as soon as the instructions are read must find them.
    process.stderr.write(`\n${sandboxInstructions(sandbox)}\n\n`);
  });

const project = program.command("project").description("Manage projects.");
project
  .command("create")
  .description("Create a project (and its organization, when new: its API key is printed once).")
  .requiredOption("--org <name>", "organization name")
  .requiredOption("--name <name>", "project name")
  .option("--key <projectKey>", "use this project key instead of a generated one (letters, digits, _ and -, as the API's projectKey)")
  .option("--json", "print JSON")
  .addHelpText("after", databaseHelp("Writes to"))
  .action(async (options: { org: string; name: string; key?: string; json?: boolean }) => {
    if (options.key !== undefined) {
      const { projectKeyProblem } = await import("./spec-rules.js");
      const problem = projectKeyProblem(options.key);
      if (problem !== undefined) throw new UsageError(`--key ${JSON.stringify(options.key)} is not valid: ${problem}.`);
    }
    await withStore(async (store) => {
      let organization = await store.findOrganizationByName(options.org);
      let apiKey: string | undefined;
      if (organization === undefined) ({ organization, apiKey } = await store.createOrganization(options.org));
      if (options.key !== undefined && (await store.findProjectByKey(options.key))) {
        throw new UsageError(`project key ${options.key} is already taken`);
      }
      const created = await store.createProject(organization.organizationId, options.name, options.key);
      const result = {
        organization: organization.name,
        ...(apiKey !== undefined && { apiKey }),
        projectId: created.projectId,
        projectKey: created.projectKey,
      };
      print(
        !!options.json,
        result,
        `project ${created.projectKey} (id ${created.projectId}) created in "${organization.name}"` +
          (apiKey ? `\nAPI key of the new organization (shown once): ${apiKey}` : ""),
      );
    });
  });

program
  .command("org")
  .description("Manage organizations.")
  .command("rotate-key")
  .description("Issue a new API key for an organization; the old key stops working at once.")
  .requiredOption("--org <name>", "organization name")
  .option("--json", "print JSON")
  .addHelpText("after", databaseHelp("Writes to"))
  .action(async (options: { org: string; json?: boolean }) => {
    await withStore(async (store) => {
      const organization = await store.findOrganizationByName(options.org);
      if (organization === undefined) throw new UsageError(`no organization named "${options.org}"`);
      const apiKey = await store.rotateApiKey(organization.organizationId);
      print(!!options.json, { organization: organization.name, apiKey }, `new API key for "${organization.name}": ${apiKey}`);
    });
  });

program
  .command("sessions")
  .description("Manage the session data that deletion jobs remove.")
  .command("import")
  .description(
    'Import sessions from an NDJSON file ("-" for standard input), one a line: ' +
      '{"sessionId": "...", "projectKey": "...", "userId": "...", "startedAt": EPOCH_MS}. All or nothing.',
  )
  .argument("<file>", 'NDJSON file, or "-" for standard input')
  .option("--json", "print JSON")
  .addHelpText("after", databaseHelp("Writes to"))
  .action(async (file: string, options: { json?: boolean }) => {
    // Opened before the database: a wrong path is told at once, in words, and changes nothing.
    const input = file === "-" ? process.stdin : await openInputFile(file);
    // Loaded here: it reads the contract core (the API's userId rule), which the other commands need not load.
    const { importSessionsFrom } = await import("./sessions-import.js");
    const tty = process.stderr.isTTY;
    const imported = await withStore((store) =>
      importSessionsFrom(store, input, (lines) => {
        if (tty) process.stderr.write(`\r${lines.toLocaleString("en")} lines read`);
      }),
    );
    if (tty) process.stderr.write("\n");
    print(!!options.json, { imported }, `${imported} sessions imported`);
  });

program
  .command("demo")
  .description("Fill an empty database with a demo organization, project, sessions and jobs in every status.")
  .option("--json", "print JSON")
  .addHelpText("after", databaseHelp("Writes to"))
  .action(async (options: { json?: boolean }) => {
    const config = settings();
    const { DEMO_ORGANIZATION, demoInstructions, seedDemo } = await import("./demo.js");
    await withStore(async (store) => {
      const credentials = await seedDemo(store, { now: Date.now(), startDelay: config.startDelay });
      if (credentials === undefined) throw new UsageError(`the database already has the "${DEMO_ORGANIZATION}" organization`);
      const url = `http://${config.host}:${config.port}`;
      const text = await demoInstructions(url, credentials, {
        store,
        keyNote: "shown once; keep it",
        startDelay: config.startDelay,
        paceSessionsPerSecond: config.paceSessionsPerSecond,
      });
      print(!!options.json, credentials, text);
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const usage = error instanceof ConfigError || error instanceof UsageError;
  const explained = usage ? undefined : explainError(error, process.env, (error as { ports?: { api?: number; metrics?: number } }).ports);
  const message = usage
    ? error.message
    : error instanceof ImportLineError
      ? `import failed at ${error.message}; nothing was imported`
      : (explained ?? `error: ${error instanceof Error ? error.message : String(error)}`);
  process.stderr.write(`jobs-api: ${message}\n`);
  process.exit(usage ? 2 : 1);
}
