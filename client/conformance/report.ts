// The report's three forms besides JSON: lines for a terminal, JUnit XML for CI systems, and the
// Markdown table of the checks that docs/conformance.md carries.
import { CHECKS, type CheckDefinition } from "./checks.js";
import type { CheckResult, ConformanceReport } from "./runner.js";

const ANSI = { red: "\u001b[31m", green: "\u001b[32m", yellow: "\u001b[33m", dim: "\u001b[2m", bold: "\u001b[1m", reset: "\u001b[0m" };

/** One line per check (failures add what was expected and what came), then the summary. */
export function formatTextReport(report: ConformanceReport, { color = false }: { color?: boolean } = {}): string {
  const width = Math.max(...report.checks.map((c) => c.id.length));
  const lines = [
    `Jobs API conformance of ${report.baseUrl} (spec ${report.specVersion}${report.allowWrites ? ", writes allowed" : ", read-only"})`,
  ];
  for (const check of report.checks) lines.push(...formatCheckLines(check, width, { color }));
  return `${lines.join("\n")}\n${formatReportTail(report, { color })}`;
}

/** The lines after the checks: what the cleanup did, and the counts. */
export function formatReportTail(report: ConformanceReport, { color = false }: { color?: boolean } = {}): string {
  const paint = (code: keyof typeof ANSI, text: string) => (color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const { passed, failed, skipped } = report.summary;
  const summary = `${passed} passed, ${failed} failed, ${skipped} skipped (${(report.durationMs / 1000).toFixed(1)} s)`;
  const lines = [
    ...report.cleanup.map((line) => paint("dim", `  cleanup: ${line}`)),
    failed > 0 ? paint("red", summary) : paint("green", summary),
  ];
  return `${lines.join("\n")}\n`;
}

/** The line (and, for a failure, the expected/got lines) of one check. */
export function formatCheckLines(check: CheckResult, width = check.id.length, { color = false }: { color?: boolean } = {}): string[] {
  const paint = (code: keyof typeof ANSI, text: string) => (color ? `${ANSI[code]}${text}${ANSI.reset}` : text);
  const id = check.id.padEnd(width);
  switch (check.outcome) {
    case "passed":
      return [`${paint("green", "PASS")} ${id}  ${check.title}`];
    case "skipped":
      return [`${paint("yellow", "SKIP")} ${id}  ${paint("dim", check.reason ?? "")}`];
    case "failed":
      return [
        `${paint("red", "FAIL")} ${id}  ${check.title}`,
        `     ${" ".repeat(width)}  expected: ${check.expected ?? ""}`,
        `     ${" ".repeat(width)}  got:      ${check.got ?? ""}`,
        // The other spec violations (the one `got` already shows is left out).
        ...check.details
          .filter((d) => d.startsWith("spec: ") && !(check.got ?? "").endsWith(d.slice(d.indexOf(": ", 6) + 2)))
          .map((d) => `     ${" ".repeat(width)}  ${paint("dim", d)}`),
      ];
  }
}

/** JUnit XML: one testsuite, one testcase per check (classname = its group). */
export function formatJunitReport(report: ConformanceReport): string {
  const { total, failed, skipped } = report.summary;
  const cases = report.checks.map((check) => {
    const open = `  <testcase classname="conformance.${xml(check.id.split(".")[0]!)}" name="${xml(check.id)}" time="${(check.durationMs / 1000).toFixed(3)}"`;
    if (check.outcome === "passed") return `${open}/>`;
    if (check.outcome === "skipped") return `${open}>\n    <skipped message="${xml(check.reason ?? "")}"/>\n  </testcase>`;
    const text = [check.title, `expected: ${check.expected ?? ""}`, `got: ${check.got ?? ""}`, ...check.details].join("\n");
    return `${open}>\n    <failure message="${xml(`expected ${check.expected ?? ""}`)}" type="ConformanceFailure">${xml(text)}</failure>\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="Jobs API conformance" tests="${total}" failures="${failed}" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `<testsuite name="Jobs API conformance of ${xml(report.baseUrl)}" tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" timestamp="${xml(report.startedAt)}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    "</testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

/** The checks as a Markdown table (docs/conformance.md holds this, between its check markers). */
export function checksMarkdownTable(checks: readonly CheckDefinition[] = CHECKS): string {
  const needs = (check: CheckDefinition) =>
    check.needs.length === 0 ? "always" : check.needs.map((n) => (n === "writes" ? "`--allow-writes`" : "`--other-*`")).join(" and ");
  return [
    "| Check | What it asserts | Runs | Against a stateless mock |",
    "|---|---|---|---|",
    ...checks.map(
      (c) => `| \`${c.id}\` | ${c.title.replace(/\|/g, "\\|")} | ${needs(c)} | ${c.stateful ? "fails (needs state)" : "passes"} |`,
    ),
    "",
  ].join("\n");
}

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; the rest escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
