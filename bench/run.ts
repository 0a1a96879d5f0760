// npm run bench [-- PART...]: runs the bench parts (all by default), prints each table and a
// summary of the targets, and writes bench/results/<part>.json and bench/results/latest.json.
// --smoke: tiny sizes, one short round (what the test suite runs; measures nothing).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { canPin } from "./lib/proc.js";
import { machine, RESULTS_DIR, table, writeJson, type Part, type PartResult } from "./lib/report.js";
import { http } from "./parts/http.js";
import { scale } from "./parts/scale.js";
import { listAll } from "./parts/list-all.js";
import { runner } from "./parts/runner.js";
import { importPart } from "./parts/import.js";
import { tooling } from "./parts/tooling.js";
import { client } from "./parts/client.js";

export const PARTS: Record<string, Part> = { http, scale, "list-all": listAll, runner, import: importPart, tooling, client };

export async function runParts(names: string[], options: { smoke: boolean; log?: (line: string) => void }): Promise<PartResult[]> {
  const results: PartResult[] = [];
  for (const name of names) {
    const part = PARTS[name];
    if (part === undefined) throw new Error(`unknown bench part "${name}"; parts: ${Object.keys(PARTS).join(", ")}`);
    const started = performance.now();
    const log =
      options.log ?? ((line: string) => process.stderr.write(`[${name} ${((performance.now() - started) / 1000).toFixed(1)}s] ${line}\n`));
    const result = await part({ smoke: options.smoke, log });
    log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    results.push(result);
  }
  return results;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const smoke = args.includes("--smoke");
  const names = args.filter((a) => !a.startsWith("--"));
  const selected = names.length > 0 ? names : Object.keys(PARTS);
  const started = new Date();
  const results: PartResult[] = [];
  for (const name of selected) {
    const [result] = await runParts([name], { smoke });
    results.push(result!);
    const text = table(result!);
    process.stdout.write(`\n${text}\n`);
    if (!smoke) writeJson(name, { date: new Date().toISOString(), machine: { ...machine(), pinned: canPin() }, ...result });
  }
  const targets = results.flatMap((r) => r.rows.filter((row) => row.met !== undefined).map((row) => ({ part: r.part, ...row })));
  const missed = targets.filter((t) => !t.met);
  process.stdout.write(
    `\n${targets.length - missed.length} of ${targets.length} targets met` +
      (missed.length > 0 ? `; NOT met: ${missed.map((t) => `${t.part}: ${t.metric} (${t.value}, target ${t.target})`).join("; ")}` : "") +
      "\n",
  );
  if (!smoke) {
    const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
    writeJson("latest", { date: started.toISOString(), minutes, machine: { ...machine(), pinned: canPin() }, parts: results });
    writeFileSync(join(RESULTS_DIR, "latest.md"), results.map(table).join("\n\n") + "\n");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
