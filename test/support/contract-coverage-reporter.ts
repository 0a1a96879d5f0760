// Vitest reporter that checks contract coverage when the run ends (see contract-coverage.ts).
// A reporter, not the globalSetup teardown: vitest ignores a teardown's failure when it sets
// the exit code, but not a reporter's.
import type { Reporter } from "vitest/reporters";
import { answeredPairs, declaredPairs } from "./contract-coverage.js";

export default class ContractCoverageReporter implements Reporter {
  onTestRunEnd(): void {
    const folder = process.env.JOBS_API_CONTRACT_COVERAGE_DIR;
    if (!folder) return;
    const declared = declaredPairs();
    const answered = answeredPairs(folder);
    const missing = declared.filter((pair) => !answered.has(pair));
    if (missing.length === 0) {
      console.log(
        `\ncontract coverage: all ${declared.length} (operation, status) pairs of openapi.yaml were answered by the real server\n`,
      );
      return;
    }
    const message =
      `contract coverage: ${missing.length} of ${declared.length} (operation, status) pairs declared in openapi.yaml ` +
      `were never answered by the real server in this run:\n  ${missing.join("\n  ")}`;
    if (process.env.CONTRACT_COVERAGE === "strict") {
      console.error(`\n✗ ${message}\n`);
      process.exitCode = 1;
    } else {
      console.warn(
        `\ncontract coverage: ${missing.length} of ${declared.length} declared (operation, status) pairs not answered in this partial run (enforced by npm test)\n`,
      );
    }
  }
}
