// What a bench part answers, how it is printed, and where its JSON goes.
import { mkdirSync, writeFileSync } from "node:fs";
import { arch, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./proc.js";
import type { Summary } from "./stats.js";

export interface Row {
  /** What was measured, e.g. "GET job: (a) request validation / raw node:http". */
  metric: string;
  /** The figure as printed, e.g. "0.31× (0.28–0.35)". */
  value: string;
  /** The target as printed, e.g. "≥ 0.45×", when the issue sets one. */
  target?: string;
  /** Whether the target is met; undefined when there is none. */
  met?: boolean;
}

export interface PartResult {
  part: string;
  title: string;
  rows: Row[];
  /** Plain-language remarks printed under the table (what limits a missed target, sizes used). */
  notes: string[];
  /** Everything measured, for the JSON file. */
  data: unknown;
}

export interface PartOptions {
  /** Tiny sizes and one short round: proves the part runs, measures nothing (npm test). */
  smoke: boolean;
  log: (line: string) => void;
}

export type Part = (options: PartOptions) => Promise<PartResult>;

/** "0.31× (0.28–0.35)"; a figure that could not be measured (no samples: NaN, a zero divisor) is "n/a". */
export const ratio = (s: Summary, digits = 2) => `${fmt(s.median, digits)}× (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
export const num = (s: Summary, digits = 0, unit = "") => `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

export function target(row: Omit<Row, "met">, met: boolean): Row {
  return { ...row, met };
}

export function machine(): Record<string, unknown> {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? "unknown",
    cores: list.length,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GB`,
    arch: arch(),
    node: process.version,
    pinned: undefined,
  };
}

/** A part's table, as plain text (also Markdown). */
export function table(result: PartResult): string {
  const header = ["metric", "measured (median, min–max over rounds)", "target", "met"];
  const lines = result.rows.map((row) => [
    row.metric,
    row.value,
    row.target ?? "",
    row.met === undefined ? "" : row.met ? "yes" : "**NO**",
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((line) => line[i]!.length)));
  const fmtLine = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const out = [
    `### ${result.part}: ${result.title}`,
    "",
    fmtLine(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...lines.map(fmtLine),
  ];
  if (result.notes.length > 0) out.push("", ...result.notes.map((note) => `- ${note}`));
  return out.join("\n");
}

export const RESULTS_DIR = join(ROOT, "bench", "results");

export function writeJson(name: string, value: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
  return path;
}
