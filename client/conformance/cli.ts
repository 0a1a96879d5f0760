#!/usr/bin/env node
// `openreplay-jobs-api conformance`: runs the conformance checks against a base URL and reports
// them (terminal lines, --json, --junit FILE). Exit codes: 0 every check passed (skipped ones
// allowed), 1 a check failed, 2 usage error or no answer from the base URL.
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CHECKS } from "./checks.js";
import { checksMarkdownTable, formatCheckLines, formatJunitReport, formatReportTail } from "./report.js";
import { ConformanceConnectionError, ConformanceUsageError, runConformance, type ConformanceOptions } from "./runner.js";
import { loadSpec } from "./spec.js";

const USAGE = `Usage: openreplay-jobs-api conformance --base-url URL --api-key KEY --project-key KEY [options]

Checks that the Jobs API at URL behaves as its contract (openapi.yaml) says.

  --base-url URL           where the API answers, e.g. https://openreplay.example.com
  --api-key KEY            an organization API key (or env CONFORMANCE_API_KEY)
  --project-key KEY        a project of that organization
  --other-api-key KEY      a second organization's key, for the tenancy checks (or env CONFORMANCE_OTHER_API_KEY)
  --other-project-key KEY  a project of the second organization
  --allow-writes           also run the checks that schedule and cancel deletion jobs (off: read-only)
  --user-prefix PREFIX     start of the user ids those checks delete (default conformance-<random>-)
  --only IDS               run only these checks (comma-separated ids or group.*; repeatable)
  --skip IDS               do not run these checks (comma-separated ids or group.*; repeatable)
  --timeout MS             per request (default 10000)
  --deadline MS            the whole run (default 300000): past it, the check under way fails and the rest are skipped
  --spec FILE              validate against this OpenAPI JSON instead of the package's own
  --json                   print the report as JSON on standard output
  --junit FILE             also write the report as JUnit XML to FILE (its folder is created)
  --list                   print the checks (a Markdown table; with --json, JSON) and exit
  -h, --help               print this help and exit

Exit codes: 0 all checks passed (skipped ones allowed), 1 a check failed, 2 usage or connection error.
`;

const OPTIONS = {
  "base-url": { type: "string" },
  "api-key": { type: "string" },
  "project-key": { type: "string" },
  "other-api-key": { type: "string" },
  "other-project-key": { type: "string" },
  "allow-writes": { type: "boolean" },
  "user-prefix": { type: "string" },
  only: { type: "string", multiple: true },
  skip: { type: "string", multiple: true },
  timeout: { type: "string" },
  deadline: { type: "string" },
  spec: { type: "string" },
  json: { type: "boolean" },
  junit: { type: "string" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== "conformance" || positionals.length > 1) {
    return usageError(positionals.length === 0 ? "missing the command: conformance" : `unknown command: ${positionals.join(" ")}`);
  }
  if (values.list) {
    const checks = CHECKS.map(({ id, title, needs, stateful }) => ({ id, title, needs, stateful }));
    process.stdout.write(values.json ? `${JSON.stringify(checks, null, 2)}\n` : checksMarkdownTable());
    return 0;
  }

  const list = (items: string[] | undefined) =>
    (items ?? [])
      .flatMap((item) => item.split(","))
      .map((s) => s.trim())
      .filter(Boolean);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
    return usageError(`--timeout must be a positive integer, not ${values.timeout}`);
  const deadline = values.deadline === undefined ? undefined : Number(values.deadline);
  if (deadline !== undefined && !(Number.isInteger(deadline) && deadline > 0))
    return usageError(`--deadline must be a positive integer, not ${values.deadline}`);
  // Before any check runs: a report that cannot be written must not cost a whole run.
  const junitProblem = values.junit === undefined ? undefined : prepareReportFile(values.junit);
  if (junitProblem !== undefined) return usageError(`--junit ${values.junit}: ${junitProblem}`);
  let spec: ConformanceOptions["spec"];
  if (values.spec !== undefined) {
    try {
      spec = loadSpec(values.spec);
    } catch (error) {
      return usageError(`--spec ${values.spec}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const color = !values.json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const width = Math.max(...CHECKS.map((c) => c.id.length));
  const baseUrl = values["base-url"] ?? "";
  // Written with the first result, so that a usage or connection error prints nothing on standard output.
  let header = `Jobs API conformance of ${baseUrl}${values["allow-writes"] ? " (writes allowed)" : " (read-only)"}\n`;
  try {
    const report = await runConformance({
      baseUrl,
      apiKey: values["api-key"] ?? process.env.CONFORMANCE_API_KEY ?? "",
      projectKey: values["project-key"] ?? "",
      otherApiKey: values["other-api-key"] ?? (values["other-project-key"] ? process.env.CONFORMANCE_OTHER_API_KEY : undefined),
      otherProjectKey: values["other-project-key"],
      allowWrites: values["allow-writes"] ?? false,
      userPrefix: values["user-prefix"],
      only: list(values.only),
      skip: list(values.skip),
      timeoutMs: timeout,
      deadlineMs: deadline,
      spec,
      onResult: values.json
        ? undefined
        : (result) => {
            process.stdout.write(`${header}${formatCheckLines(result, width, { color }).join("\n")}\n`);
            header = "";
          },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(formatReportTail(report, { color }));
    if (values.junit !== undefined) writeFileSync(values.junit, formatJunitReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof ConformanceUsageError) return usageError(error.message);
    if (error instanceof ConformanceConnectionError) {
      process.stderr.write(`conformance: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

/** Creates the folder of a report file; says why the file could not be written, if so. */
function prepareReportFile(file: string): string | undefined {
  const path = resolve(file);
  try {
    mkdirSync(dirname(path), { recursive: true });
    accessSync(dirname(path), constants.W_OK);
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) return "is a folder, not a file";
    return undefined;
  } catch (error) {
    return `cannot write there (${error instanceof Error ? error.message : String(error)})`;
  }
}

function usageError(message: string): number {
  process.stderr.write(`conformance: ${message}\n\n${USAGE}`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
