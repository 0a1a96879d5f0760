// temporaryFolder (temp.ts) leaves nothing behind: a vitest of its own runs temp-fixture/, which
// makes folders in a test, a beforeEach, a beforeAll, a describe body and a file's body (one whose
// afterAll fails), with TMPDIR (so os.tmpdir()) an empty folder that must be empty again at the end.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { ROOT, outputOf } from "./cli.js";
import { temporaryFolder } from "./temp.js";

const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");

/** A test file's entry in vitest's JSON report. */
interface TestFileResult {
  name: string;
  status: string;
  message: string;
}

it("removes every folder it made, each once its test or its file has ended", async () => {
  const tmp = temporaryFolder("temp-proof-");
  // This run's own VITEST_* variables would make the inner run think it is one of this run's workers.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("VITEST")));
  const config = join("test", "support", "temp-fixture", "vitest.config.ts");
  const args = [VITEST, "run", "--config", config, "--reporter", "json"];
  const run = await outputOf(spawn(process.execPath, args, { cwd: ROOT, env: { ...env, TMPDIR: tmp } }));
  // Every test of the fixtures ran and passed (one fails on purpose, as it.fails expects); only the
  // afterAll that fails on purpose failed.
  expect(run.stdout.trimStart().startsWith("{"), `no JSON report:\n${run.stdout}\n${run.stderr}`).toBe(true);
  const report = JSON.parse(run.stdout) as { numTotalTests: number; numPassedTests: number; testResults: TestFileResult[] };
  expect(report, run.stderr).toMatchObject({ numTotalTests: 4, numPassedTests: 4 });
  const failed = report.testResults.filter((file) => file.status === "failed");
  expect(failed.map((file) => [relative(ROOT, file.name), file.message])).toEqual([
    [join("test", "support", "temp-fixture", "failing-hook.fixture.ts"), expect.stringContaining("this afterAll fails on purpose")],
  ]);
  expect(readdirSync(tmp)).toEqual([]);
});
