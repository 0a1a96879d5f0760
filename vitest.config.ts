import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Type tests (test/**/*.test-d.ts, expectTypeOf and @ts-expect-error) run with tsc beside the others.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "tsconfig.json" },
    // One PostgreSQL server for the run (embedded unless TEST_POSTGRES_URL is set).
    globalSetup: ["test/support/global-setup.ts", "test/support/contract-coverage-setup.ts"],
    // The JSON report (out/, git-ignored) lets .ci/run print one closing "N passed, N failed" line.
    reporters: [
      "default",
      "./test/support/contract-coverage-reporter.ts",
      "./test/support/chromium-reporter.ts",
      ["json", { outputFile: "out/test-results/vitest.json" }],
    ],
    // The browser suites: chromium-reporter.ts counts them when they were skipped.
    tags: [{ name: "chromium", description: "drives /usr/bin/chromium (skipped with a notice where it is missing, outside CI)" }],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks (child processes): native modules (better-sqlite3) and servers on ports are at home
    // there. Two workers for a two-core machine: test files are mostly waiting on databases and
    // sockets, and more workers than cores only adds contention.
    pool: "forks",
    maxWorkers: 2,
  },
});
