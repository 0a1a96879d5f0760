#!/usr/bin/env node
// The jobs-api command: serve, project, org, sessions, demo. Settings for `serve` come from the
// environment (config.ts); administrative commands print JSON with --json for scripts.
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
//
// Each command loads only what it uses (dynamic imports): `sessions import` must not pay for
// loading the HTTP server, Express and the validator (a large share of a short import's time).
import { Command, CommanderError } from "commander";
import { ConfigError, loadConfig, type Config } from "./config.js";
import type { Store } from "./store/types.js";
import type { DemoCredentials } from "./demo.js";
import { ImportLineError, importSessionsFrom } from "./sessions-import.js";

class UsageError extends Error {}

function settings(): Config {
  return loadConfig(process.env);
}

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const config = settings();
  const [{ pino }, { openStore }] = await Promise.all([import("pino"), import("./store/index.js")]);
  const store = await openStore(config.databaseUrl, { logger: pino({ level: "warn" }, process.stderr) });
  try {
    await store.migrate();
    return await run(store);
  } finally {
    await store.close();
  }
}

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + "\n" : text + "\n");
}

/** Where `serve --demo` keeps the demo key between starts (beside the SQLite file; git-ignored). */
function demoCredentialsPath(config: Config): string {
  const url = config.databaseUrl;
  const folder = url?.startsWith("sqlite:") && !url.includes(":memory:") ? dirname(url.slice("sqlite:".length)) : "data";
  return join(folder, "demo-credentials.json");
}

const program = new Command()
  .name("jobs-api")
  .description("The reference server of OpenReplay's Jobs API, and its administration commands.")
  .showHelpAfterError()
  .exitOverride();

program
  .command("serve")
  .description(
    "Start the HTTP API and the job runner. Settings come from the environment: PORT, HOST, DATABASE_URL, " +
      "JOBS_START_DELAY, JOBS_POLL_INTERVAL, JOBS_BATCH_SIZE, JOBS_BATCH_TIME, JOBS_LEASE, JOBS_RUNNER, LOG_LEVEL, CORS_ORIGINS, " +
      "RESPONSE_VALIDATION, RATE_LIMIT, RATE_LIMIT_WINDOW (see the README).",
  )
  .option("--demo", "on an empty database, create the demo organization and project first, and print how to try them")
  .action(async (options: { demo?: boolean }) => {
    const config = settings();
    const [{ startServer }, { DEMO_ORGANIZATION, demoInstructions, seedDemo }] = await Promise.all([import("./index.js"), import("./demo.js")]);
    const running = await startServer({ config });
    const log = running.runner ? "with the job runner" : "API only (JOBS_RUNNER=off)";
    process.stderr.write(`jobs-api listening on ${running.url} (${running.store.dialect}, ${log})\n`);
    if (options.demo) {
      const credentialsFile = demoCredentialsPath(config);
      const created = await seedDemo(running.store, { now: Date.now(), startDelay: config.startDelay });
      if (created) {
        mkdirSync(dirname(credentialsFile), { recursive: true });
        writeFileSync(credentialsFile, JSON.stringify(created, null, 2) + "\n", { mode: 0o600 });
      }
      const credentials: DemoCredentials | undefined =
        created ?? (existsSync(credentialsFile) ? JSON.parse(readFileSync(credentialsFile, "utf8")) : undefined);
      process.stderr.write(
        credentials
          ? `\n${demoInstructions(running.url, credentials)}\n\n`
          : `\nThe "${DEMO_ORGANIZATION}" organization exists but its key is not in ${credentialsFile}; ` +
              `run "jobs-api org rotate-key --org ${DEMO_ORGANIZATION}" for a new one.\n\n`,
      );
    }
    const shutdown = (signal: string) => {
      process.stderr.write(`${signal}: finishing the batch in flight and closing the database\n`);
      running.close().then(
        () => process.exit(0),
        (error) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });

const project = program.command("project").description("Manage projects.");
project
  .command("create")
  .description("Create a project (and its organization, when new: its API key is printed once).")
  .requiredOption("--org <name>", "organization name")
  .requiredOption("--name <name>", "project name")
  .option("--key <projectKey>", "use this project key instead of a generated one")
  .option("--json", "print JSON")
  .action(async (options: { org: string; name: string; key?: string; json?: boolean }) => {
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
  .action(async (file: string, options: { json?: boolean }) => {
    // 1 MiB reads: a sixteenth of the read calls of the default 64 KiB.
    const input = file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
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
  .action(async (options: { json?: boolean }) => {
    const config = settings();
    const { DEMO_ORGANIZATION, demoInstructions, seedDemo } = await import("./demo.js");
    await withStore(async (store) => {
      const credentials = await seedDemo(store, { now: Date.now(), startDelay: config.startDelay });
      if (credentials === undefined) throw new UsageError(`the database already has the "${DEMO_ORGANIZATION}" organization`);
      const url = `http://${config.host}:${config.port}`;
      print(!!options.json, credentials, demoInstructions(url, credentials));
    });
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const message =
    error instanceof ConfigError || error instanceof UsageError
      ? error.message
      : error instanceof ImportLineError
        ? `import failed at ${error.message}; nothing was imported`
        : `error: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`jobs-api: ${message}\n`);
  process.exit(error instanceof ConfigError || error instanceof UsageError ? 2 : 1);
}
