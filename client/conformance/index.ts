// The conformance kit: the contract's behavioural checks, runnable against any implementation of
// the Jobs API (`npx openreplay-jobs-api conformance ...`, or runConformance() from code).
// It needs only fetch, node built-ins and the spec: the package build bundles it (ajv included)
// into self-contained files under dist/client/conformance/ (scripts/build.mjs).
export { CHECKS, type CheckDefinition, type CheckNeed } from "./checks.js";
export {
  runConformance,
  selectChecks,
  ConformanceConnectionError,
  ConformanceUsageError,
  type CheckOutcome,
  type CheckResult,
  type ConformanceOptions,
  type ConformanceReport,
} from "./runner.js";
export { checksMarkdownTable, formatCheckLines, formatJunitReport, formatReportTail, formatTextReport } from "./report.js";
export { loadSpec, SpecValidator, type OpenApiDocument } from "./spec.js";
