// Runs the project's Redocly CLI (node_modules/.bin/redocly) as a child process, for the contract
// and docs tests. Telemetry and update notices are off; the Node 20 deprecation banner that
// redocly prints goes to standard error and never into `--format=json` output.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const REDOCLY = fileURLToPath(new URL("../../node_modules/.bin/redocly", import.meta.url));

export interface RedoclyResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runRedocly(args: readonly string[], cwd: string = ROOT): Promise<RedoclyResult> {
  return new Promise((resolve, reject) => {
    execFile(
      REDOCLY,
      [...args],
      {
        cwd,
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          reject(new Error(`redocly could not be run: ${error.message}`, { cause: error }));
          return;
        }
        resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

export interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer?: string; source?: { ref?: string } }[];
}

export interface LintReport {
  code: number;
  totals: { errors: number; warnings: number; ignored: number };
  problems: LintProblem[];
  stderr: string;
}

/** `redocly lint FILE --format=json [--config CONFIG]`, parsed. */
export async function lint(file: string, options: { cwd?: string; config?: string } = {}): Promise<LintReport> {
  const args = ["lint", file, "--format=json"];
  if (options.config !== undefined) args.push("--config", options.config);
  const result = await runRedocly(args, options.cwd);
  let parsed: { totals: LintReport["totals"]; problems: LintProblem[] };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new Error(`redocly lint ${file} printed no JSON report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, totals: parsed.totals, problems: parsed.problems, stderr: result.stderr };
}

/** One line per problem, for failure messages. */
export function describeProblems(problems: readonly LintProblem[]): string {
  return problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? "?"}: ${p.message}`).join("\n");
}
