// Vitest globalSetup for contract coverage (see contract-coverage.ts): one folder per run where
// test servers record the (operationId, status) pairs they answered. The check itself is in
// contract-coverage-reporter.ts, run when the tests end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where test servers record the (operationId, status) pairs they answered. */
    contractCoverageDir: string;
  }
}

export default function setup(project: TestProject) {
  const folder = mkdtempSync(join(tmpdir(), "jobs-api-coverage-"));
  project.provide("contractCoverageDir", folder);
  process.env.JOBS_API_CONTRACT_COVERAGE_DIR = folder; // for the reporter, in this process
  return () => rmSync(folder, { recursive: true, force: true });
}
