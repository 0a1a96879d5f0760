// import: `jobs-api sessions import FILE` of 1,000,000 NDJSON lines, run as users run it (the CLI,
// compiled to JavaScript as the package ships it, its own process, on the servers' core): lines
// per second and the process's peak memory, which must not grow with the file (checked against a
// file a tenth the size). Also against the database's own limit: the same file read, parsed and
// inserted by a bare loop (SQLite: one prepared statement; PostgreSQL: one COPY), nothing checked.
import { copyFileSync, createWriteStream, readdirSync, rmSync } from "node:fs";
import { once } from "node:events";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { seed } from "../lib/data.js";
import { engines, postgresWanted, startPostgres } from "../lib/postgres.js";
import { ROOT, SERVER_CORE, canPin, run, spawnNode, waitReady } from "../lib/proc.js";
import { fmt, mb, num, ratio as formatRatio, type Part, type Row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";
import { Resources, withTempDir } from "../lib/tmp.js";
import { IMPORT_CACHE_KIB } from "../../server/store/sqlite.js";

export const TARGET_LINES_PER_SECOND = 150_000;

/** Where the CLI is compiled for the measurement (inside the repository, so node_modules resolve). */
const BUILT = join(ROOT, "out", "bench-cli");

/**
 * server/ compiled file by file to JavaScript (esbuild, no bundling), with the contract core and the
 * generated files it imports, as `npm run build` ships them in server/dist/: what `npx jobs-api`
 * runs. Measured that way, not through tsx (`npm run jobs-api`), whose loader costs about a second
 * of start-up here, for every module it loads.
 */
async function buildCli(): Promise<string> {
  rmSync(BUILT, { recursive: true, force: true });
  const sources = (folder: string) =>
    (readdirSync(join(ROOT, folder), { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("dist/") && !file.includes("node_modules"))
      .map((file) => join(ROOT, folder, file));
  await build({
    entryPoints: [...sources("server"), ...sources(join("client", "contract")), join(ROOT, "generated", "schema.ts")],
    outdir: BUILT,
    outbase: ROOT,
    format: "esm",
    platform: "node",
    target: "node20",
    supported: { "import-attributes": true }, // keeps `with { type: "json" }` for the contract document
    logLevel: "silent",
  });
  // The contract document stays a JSON file beside the code that imports it, as in the package.
  copyFileSync(join(ROOT, "generated", "contract.json"), join(BUILT, "generated", "contract.json"));
  return relative(ROOT, join(BUILT, "server", "cli", "main.js"));
}

async function writeNdjson(path: string, lines: number, projectKey: string): Promise<void> {
  const out = createWriteStream(path);
  const users = 10_000;
  let text = "";
  for (let i = 1; i <= lines; i++) {
    text += `{"sessionId":"import-${i}","projectKey":"${projectKey}","userId":"user-${i % users}@example.com","startedAt":${1_623_912_955_277 + i * 1000}}\n`;
    if (text.length > 1 << 20 || i === lines) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  out.end();
  await once(out, "finish");
}

/** Runs the CLI import; answers its wall time and peak RSS. */
async function cliImport(cli: string, file: string, databaseUrl: string, expected: number): Promise<{ ms: number; maxRss: number }> {
  const args = ["--import", "./bench/lib/report-maxrss.mjs", cli, "sessions", "import", file, "--json"];
  const command = canPin() ? "taskset" : process.execPath;
  const full = canPin() ? ["-c", String(SERVER_CORE), process.execPath, ...args] : args;
  const started = performance.now();
  const result = await run(command, full, { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" } });
  const ms = performance.now() - started;
  if (result.code !== 0) throw new Error(`jobs-api sessions import failed (${result.code}): ${result.stderr.slice(-2000)}`);
  const imported = (JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { imported: number }).imported;
  if (imported !== expected) throw new Error(`imported ${imported} sessions, expected ${expected}`);
  const rss = /\{"benchMaxRssBytes":(\d+)\}/.exec(result.stderr);
  return { ms, maxRss: rss ? Number(rss[1]) : NaN };
}

export const importPart: Part = ({ smoke, log }) =>
  withTempDir("import", async (dir) => {
    const resources = new Resources();
    try {
      const lines = smoke ? 2_000 : Number(process.env.BENCH_IMPORT_LINES ?? 1_000_000);
      const small = Math.max(1, Math.floor(lines / 10));
      const rounds = smoke ? 1 : Number(process.env.BENCH_IMPORT_ROUNDS ?? 3);
      const postgres = postgresWanted() ? resources.add(await startPostgres(), (server) => server.stop()) : undefined;
      const rows: Row[] = [];
      const data: Record<string, unknown> = {};
      let databases = 0;
      const fresh = async (engine: string) => {
        databases++;
        const url =
          engine === "SQLite"
            ? `sqlite:${join(dir, `import-${databases}.db`)}`
            : await postgres!.createDatabase(`bench_import_${databases}`);
        return seed(url, { jobs: 0 });
      };
      const cliPath = await buildCli();
      resources.add(BUILT, (path) => rmSync(path, { recursive: true, force: true }));
      const probe = await fresh("SQLite");
      const file = join(dir, "sessions.ndjson");
      const smallFile = join(dir, "sessions-small.ndjson");
      await writeNdjson(file, lines, probe.projectKey);
      await writeNdjson(smallFile, small, probe.projectKey);
      log(`${fmt(lines)} and ${fmt(small)} lines written`);
      for (const engine of engines()) {
        const cli: Array<{ ms: number; maxRss: number }> = [];
        const cliSmall: Array<{ ms: number; maxRss: number }> = [];
        const limit: Array<{ ms: number }> = [];
        const bareName = engine === "SQLite" ? "bare insert loop" : "bare COPY";
        for (let round = 0; round < rounds; round++) {
          const target = await fresh(engine);
          const measured = await cliImport(cliPath, file, target.url, lines);
          cli.push(measured);
          cliSmall.push(await cliImport(cliPath, smallFile, (await fresh(engine)).url, small));
          const bare = await fresh(engine);
          const child =
            engine === "SQLite"
              ? spawnNode(SERVER_CORE, [
                  "bench/servers/sqlite-import-limit.ts",
                  file,
                  bare.url.slice("sqlite:".length),
                  String(bare.projectId),
                ])
              : spawnNode(SERVER_CORE, ["bench/servers/postgres-copy-limit.ts", file, bare.url, String(bare.projectId)]);
          const done = await waitReady<{ ms: number; lines: number }>(child, 15 * 60_000);
          if (done.lines !== lines) throw new Error(`the ${bareName} inserted ${done.lines} lines`);
          limit.push({ ms: done.ms });
          log(
            `  round ${round + 1}/${rounds}, ${engine}: CLI ${fmt(lines / (measured.ms / 1000))} lines/s, peak RSS ${mb(measured.maxRss)} ` +
              `(${mb(cliSmall.at(-1)!.maxRss)} for ${fmt(small)} lines); ${bareName} ${fmt(lines / (done.ms / 1000))} lines/s`,
          );
        }
        const rate = summarize(cli.map((c) => lines / (c.ms / 1000)));
        rows.push({
          metric: `${engine}: jobs-api sessions import, ${fmt(lines)} lines: lines per second (whole command)`,
          value: num(rate),
          target: `≥ ${fmt(TARGET_LINES_PER_SECOND)}`,
          met: rate.median >= TARGET_LINES_PER_SECOND,
        });
        rows.push({
          metric: `${engine}: ${bareName}, lines per second (the limit)`,
          value: num(summarize(limit.map((l) => lines / (l.ms / 1000)))),
        });
        const ratio = summarize(cli.map((c, round) => limit[round]!.ms / c.ms));
        rows.push({ metric: `${engine}: import / ${bareName} (lines per second)`, value: formatRatio(ratio) });
        const peak = summarize(cli.map((c) => c.maxRss));
        const peakSmall = summarize(cliSmall.map((c) => c.maxRss));
        // SQLite's import connection has a page cache of a fixed size (server/store/sessions.ts),
        // which a large file fills and a small one may not: it is allowed on top.
        const cache = engine === "SQLite" ? IMPORT_CACHE_KIB * 1024 : 0;
        rows.push({
          metric: `${engine}: peak RSS of the import process, ${fmt(lines)} lines / ${fmt(small)} lines`,
          value: `${mb(peak.median)} / ${mb(peakSmall.median)}`,
          target: cache > 0 ? `bounded (≤ 1.5× the smaller file's + the ${mb(cache)} page cache)` : "bounded (≤ 1.5× the smaller file's)",
          met: peak.median <= 1.5 * peakSmall.median + cache,
        });
        data[engine] = { cli, cliSmall, limit };
      }
      return {
        part: "import",
        title: `jobs-api sessions import of ${fmt(lines)} lines`,
        rows,
        notes: [
          "The whole command as users run it (start-up, migrations check, parsing, inserting, commit), compiled to JavaScript as the package ships it (`npx jobs-api`), into an empty database each time; all or nothing: SQLite, one transaction of prepared INSERTs (100 rows each); PostgreSQL, one COPY FROM STDIN.",
          "The bare loops read the same file with readline and JSON.parse and insert without any check (SQLite: one prepared single-row INSERT in one transaction; PostgreSQL: one COPY FROM STDIN): what the database takes at most.",
          `Peak RSS is the process's maxRSS (getrusage) at exit. Memory is bounded when importing ten times more lines needs about the same peak. ${rounds} rounds.`,
        ],
        data: { lines, small, rounds, results: data },
      };
    } finally {
      await resources.closeAll();
    }
  });
