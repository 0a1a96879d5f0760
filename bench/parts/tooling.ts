// tooling: wall time of the contract's tools as developers run them (npm run lint, generate,
// docs) and how long the mock (npm run mock) takes to answer its first request. Each round also
// times a bare `node -e 0`, so the figures can be read relative to the machine's speed then.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ROOT, run, stop } from "../lib/proc.js";
import { fmt, num, type Part, type Row } from "../lib/report.js";
import { summarize } from "../lib/stats.js";
import { withTempDir } from "../lib/tmp.js";

const REDOCLY_ENV = { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };

async function timed(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  const result = await run(command, args, { env: { ...process.env, ...REDOCLY_ENV } });
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (${result.code}): ${(result.stderr || result.stdout).slice(-1500)}`);
  return performance.now() - started;
}

/** Starts the mock on a free port; answers ms until it listens and until its first answer. */
async function mockStart(): Promise<{ listening: number; answered: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, "mock", "start.mjs")], {
    cwd: ROOT,
    env: { ...process.env, MOCK_HOST: "127.0.0.1", MOCK_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the mock did not start within 60 s")), 60_000);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on("line", (line) => {
          const match = /Jobs API mock listening on (http:\/\/\S+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      }
      child.once("exit", (code) => reject(new Error(`the mock exited (${code}) before listening`)));
    });
    const listening = performance.now() - started;
    const answer = await fetch(`${url}/api/v1/3sWXSsqHgSKnE87YkNJK/jobs/3451`, { headers: { authorization: "any" } });
    await answer.arrayBuffer();
    if (answer.status !== 200) throw new Error(`the mock answered ${answer.status}`);
    return { listening, answered: performance.now() - started };
  } finally {
    await stop(child);
  }
}

export const tooling: Part = ({ smoke, log }) =>
  withTempDir("tooling", async (dir) => {
    const rounds = smoke ? 1 : Number(process.env.BENCH_TOOLING_ROUNDS ?? 3);
    const redocly = join(ROOT, "node_modules", ".bin", "redocly");
    const results: Record<string, number[]> = { node: [], lint: [], generate: [], docs: [], mockListening: [], mockAnswered: [] };
    for (let round = 0; round < rounds; round++) {
      results.node!.push(await timed(process.execPath, ["-e", "0"]));
      results.lint!.push(await timed("npm", ["run", "--silent", "lint"]));
      // generate and docs write into the temp folder, never into the working tree.
      results.generate!.push(await timed("npm", ["run", "--silent", "generate", "--", "--out", join(dir, "generated")]));
      results.docs!.push(
        await timed(redocly, ["build-docs", join(ROOT, "openapi.yaml"), `--output=${join(dir, "docs", "index.html")}`, "--inlineBundle"]),
      );
      const mock = await mockStart();
      results.mockListening!.push(mock.listening);
      results.mockAnswered!.push(mock.answered);
      log(
        `  round ${round + 1}/${rounds}: node -e 0 ${fmt(results.node!.at(-1)!)} ms, lint ${fmt(results.lint!.at(-1)!)} ms, ` +
          `generate ${fmt(results.generate!.at(-1)!)} ms, docs ${fmt(results.docs!.at(-1)!)} ms, mock ${fmt(mock.answered)} ms`,
      );
    }
    const total = results.lint!.map((lint, i) => lint + results.generate![i]! + results.docs![i]!);
    const rel = (values: number[]) => {
      const s = summarize(values.map((v, i) => v / results.node![i]!));
      return `${s.median.toFixed(0)}× node -e 0`;
    };
    const row = (metric: string, values: number[]): Row => ({
      metric,
      value: `${num(summarize(values.map((v) => v / 1000)), 2, " s")} = ${rel(values)}`,
    });
    const rows: Row[] = [
      row("npm run lint (redocly, ESLint, Prettier)", results.lint!),
      row("npm run generate (openapi-typescript + redocly bundle)", results.generate!),
      row("npm run docs (redocly build-docs)", results.docs!),
      row("lint + generate + docs", total),
      row("mock (npm run mock): start until listening", results.mockListening!),
      row("mock: start until its first answer", results.mockAnswered!),
      { metric: "node -e 0 (the machine's unit)", value: num(summarize(results.node!), 0, " ms") },
    ];
    return {
      part: "tooling",
      title: "wall time of lint, generate and docs, and the mock's start-up",
      rows,
      notes: [
        `Wall time, ${rounds} rounds, not pinned (the tools may use both cores). generate and docs write into a temporary folder. Each figure is also given relative to a bare node start-up measured in the same round; the issue sets no target here.`,
      ],
      data: { rounds, ms: results },
    };
  });
