// runConformance: runs the selected checks in order against one base URL and reports each
// (passed, failed with expected vs got, or skipped with the reason), then cancels the jobs the
// run created. Every answer a check receives is validated against the spec; a violation fails
// that check even when its own expectation held.
import { randomBytes } from "node:crypto";
import { CHECKS, type CheckDefinition, type CheckNeed } from "./checks.js";
import {
  CheckContext,
  CheckFailure,
  CheckSkip,
  DeadlineError,
  NoAnswerError,
  describe,
  keyMasker,
  jobPath,
  jobsPath,
  type ContextOptions,
  type Exchange,
} from "./context.js";
import { SpecValidator, type OpenApiDocument } from "./spec.js";

export interface ConformanceOptions {
  /** Where the implementation under test answers, e.g. `https://openreplay.example.com`. */
  baseUrl: string;
  /** An organization API key of the implementation. */
  apiKey: string;
  /** A project of that organization. */
  projectKey: string;
  /** A second organization's key and project, for the tenancy checks (both or neither). */
  otherApiKey?: string;
  otherProjectKey?: string;
  /** Run the checks that schedule and cancel jobs. Default false: read-only checks only. */
  allowWrites?: boolean;
  /** Start of the user ids the writing checks delete. Default `conformance-<random>-`. */
  userPrefix?: string;
  /** Check ids (or `group.*`) to run; default all. */
  only?: string[];
  /** Check ids (or `group.*`) not to run. */
  skip?: string[];
  /** Per request, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /**
   * The whole run, in milliseconds (default 300000): past it, the check under way fails and the
   * rest are skipped (a 429 whose Retry-After would pass it is not waited out). The cleanup
   * still runs, each request bounded by timeoutMs.
   */
  deadlineMs?: number;
  /** The fetch to send requests with; default the global fetch, looked up at each call (so MSW and similar see them). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** The OpenAPI document to validate against; default the package's generated/openapi.json. */
  spec?: OpenApiDocument;
  /** Called after each check, for progress output. */
  onResult?: (result: CheckResult) => void;
}

export type CheckOutcome = "passed" | "failed" | "skipped";

export interface CheckResult {
  id: string;
  title: string;
  outcome: CheckOutcome;
  stateful: boolean;
  needs: CheckNeed[];
  /** For a failed check: what was expected, and what came instead (one line each). */
  expected?: string;
  got?: string;
  /** For a skipped check: what it needs. */
  reason?: string;
  /** Further lines: every spec violation seen, notes of the check. */
  details: string[];
  /** Requests the check sent. */
  requests: number;
  durationMs: number;
}

export interface ConformanceReport {
  /** True when no check failed (skipped ones allowed). */
  ok: boolean;
  baseUrl: string;
  /** info.version of the spec the answers were validated against. */
  specVersion: string;
  allowWrites: boolean;
  startedAt: string;
  durationMs: number;
  summary: { total: number; passed: number; failed: number; skipped: number };
  checks: CheckResult[];
  /** What the run did to clean up after itself (jobs it cancelled again). */
  cleanup: string[];
}

/** The options are unusable (missing, malformed, unknown check id). The CLI exits with 2. */
export class ConformanceUsageError extends Error {
  override name = "ConformanceUsageError";
}

/** The base URL gave no answer before any check ran. The CLI exits with 2. */
export class ConformanceConnectionError extends Error {
  override name = "ConformanceConnectionError";
}

const NEED_REASONS: Record<CheckNeed, string> = {
  writes: "needs --allow-writes",
  "other-tenant": "needs --other-api-key and --other-project-key",
};

/** The checks `patterns` name: ids, or `group.*`, or `*`. Throws for a pattern that names none. */
export function selectChecks(patterns: string[], checks: readonly CheckDefinition[] = CHECKS): Set<string> {
  const selected = new Set<string>();
  for (const pattern of patterns) {
    const matches = checks.filter((c) =>
      pattern === "*" ? true : pattern.endsWith(".*") ? c.id.startsWith(pattern.slice(0, -1)) : c.id === pattern,
    );
    if (matches.length === 0) throw new ConformanceUsageError(`no check is named ${JSON.stringify(pattern)} (see --list)`);
    for (const c of matches) selected.add(c.id);
  }
  return selected;
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const started = Date.now();
  const mask = keyMasker([options.apiKey, options.otherApiKey ?? ""]);
  try {
    return await run(options, started);
  } catch (error) {
    // Whatever the error says (an answer quoted, a message of the fetch), never a key.
    if (error instanceof Error) error.message = mask(error.message);
    throw error;
  }
}

async function run(options: ConformanceOptions, started: number): Promise<ConformanceReport> {
  const settings = validateOptions(options);
  const validator = new SpecValidator(options.spec);
  const statuses = jobStatuses(validator);
  const only = options.only?.length ? selectChecks(options.only) : undefined;
  const skip = selectChecks(options.skip ?? []);
  const random = () => randomBytes(6).toString("hex");
  const ctx = new CheckContext({
    ...settings,
    deadline: started + settings.deadlineMs,
    fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
    validator,
    statuses,
    missingProjectKey: `conformance-missing-${random()}`,
    missingJobId: Number.MAX_SAFE_INTEGER,
    wrongApiKey: `conformance-wrong-key-${random()}`,
  });

  try {
    // Any answer will do here, a 429 too: not waited out.
    await ctx.request("GET", jobsPath(settings.own.projectKey), { retryRateLimited: false });
  } catch (error) {
    if (error instanceof NoAnswerError || error instanceof DeadlineError)
      throw new ConformanceConnectionError(`${settings.baseUrl} did not answer: ${error.message}`);
    throw error;
  }

  const results: CheckResult[] = [];
  for (const check of CHECKS) {
    const result = maskResult(await runCheck(check, ctx, settings, only, skip), ctx.mask);
    results.push(result);
    options.onResult?.(result);
  }
  const cleanup = (await cancelCreatedJobs(ctx)).map(ctx.mask);

  const count = (outcome: CheckOutcome) => results.filter((r) => r.outcome === outcome).length;
  const summary = { total: results.length, passed: count("passed"), failed: count("failed"), skipped: count("skipped") };
  return {
    ok: summary.failed === 0,
    baseUrl: settings.baseUrl,
    specVersion: validator.version,
    allowWrites: settings.allowWrites,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    summary,
    checks: results,
    cleanup,
  };
}

/** The options once checked: the part of a check context's options the caller gives. */
type Settings = Pick<ContextOptions, "baseUrl" | "own" | "other" | "allowWrites" | "userPrefix" | "timeoutMs"> & { deadlineMs: number };

/** A result as it may be printed: the run's keys masked in every text of it. */
function maskResult(result: CheckResult, mask: (text: string) => string): CheckResult {
  const masked = (text: string | undefined) => (text === undefined ? undefined : mask(text));
  return {
    ...result,
    title: mask(result.title),
    expected: masked(result.expected),
    got: masked(result.got),
    reason: masked(result.reason),
    details: result.details.map(mask),
  };
}

function validateOptions(options: ConformanceOptions): Settings {
  const { baseUrl, apiKey, projectKey, otherApiKey, otherProjectKey } = options;
  if (!baseUrl) throw new ConformanceUsageError("the base URL is required (--base-url)");
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConformanceUsageError(`the base URL is not a URL: ${JSON.stringify(baseUrl.replace(/\/\/[^/@]*@/, "//[credentials]@"))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new ConformanceUsageError(`the base URL must be http or https, not ${url.protocol}`);
  if (url.username || url.password) {
    // Named, never echoed: fetch refuses such a URL, and the password must not be printed.
    throw new ConformanceUsageError(
      "the base URL must not hold credentials (user:password@host): the API takes its key in --api-key (or CONFORMANCE_API_KEY)",
    );
  }
  if (url.search || url.hash) throw new ConformanceUsageError("the base URL must not have a query or fragment");
  if (!apiKey) throw new ConformanceUsageError("an API key is required (--api-key)");
  if (!projectKey) throw new ConformanceUsageError("a project key is required (--project-key)");
  if (!otherApiKey !== !otherProjectKey) {
    throw new ConformanceUsageError("the other tenant needs both --other-api-key and --other-project-key");
  }
  if (otherProjectKey !== undefined && otherProjectKey === projectKey) {
    throw new ConformanceUsageError("the other tenant's project must be another project than --project-key");
  }
  const userPrefix = options.userPrefix ?? `conformance-${randomBytes(4).toString("hex")}-`;
  // eslint-disable-next-line no-control-regex -- the contract refuses control characters in a userId
  if (userPrefix.length > 200 || /[\u0000-\u001f\u007f]/.test(userPrefix)) {
    throw new ConformanceUsageError("the user prefix must be at most 200 characters, without control characters");
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new ConformanceUsageError("the timeout must be a positive number of milliseconds");
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  if (!Number.isInteger(deadlineMs) || deadlineMs < 1)
    throw new ConformanceUsageError("the deadline must be a positive number of milliseconds");
  return {
    baseUrl: url.href.replace(/\/$/, ""),
    own: { apiKey, projectKey },
    other: otherApiKey && otherProjectKey ? { apiKey: otherApiKey, projectKey: otherProjectKey } : undefined,
    allowWrites: options.allowWrites ?? false,
    userPrefix,
    timeoutMs,
    deadlineMs,
  };
}

/** The whole run's default deadline: a full run sends about 60 requests, and waits out few 429s. */
export const DEFAULT_DEADLINE_MS = 300_000;

function jobStatuses(validator: SpecValidator): string[] {
  try {
    return validator.jobStatuses();
  } catch (error) {
    throw new ConformanceUsageError(error instanceof Error ? error.message : String(error));
  }
}

async function runCheck(
  check: CheckDefinition,
  ctx: CheckContext,
  settings: Settings,
  only: Set<string> | undefined,
  skip: Set<string>,
): Promise<CheckResult> {
  const base = { id: check.id, title: check.title, stateful: check.stateful, needs: [...check.needs] };
  const skipped = (reason: string): CheckResult => ({ ...base, outcome: "skipped", reason, details: [], requests: 0, durationMs: 0 });
  if ((only && !only.has(check.id)) || skip.has(check.id)) return skipped("not selected (--only, --skip)");
  if (ctx.deadlinePassed) return skipped(`not run: the run's deadline (${settings.deadlineMs} ms, --deadline) had passed`);
  if (check.needs.includes("writes") && !settings.allowWrites) return skipped(NEED_REASONS.writes);
  if (check.needs.includes("other-tenant") && !settings.other) return skipped(NEED_REASONS["other-tenant"]);

  ctx.exchanges = [];
  ctx.notes = [];
  const started = Date.now();
  let result: Pick<CheckResult, "outcome" | "expected" | "got" | "reason">;
  try {
    await check.run(ctx);
    result = { outcome: "passed" };
  } catch (error) {
    if (error instanceof CheckFailure) result = { outcome: "failed", expected: error.expected, got: error.got };
    else if (error instanceof CheckSkip) result = { outcome: "skipped", reason: error.reason };
    else if (error instanceof NoAnswerError) result = { outcome: "failed", expected: "an answer", got: error.message };
    else if (error instanceof DeadlineError) {
      ctx.deadlinePassed = true;
      result = {
        outcome: "failed",
        expected: `the run to end within its deadline (${settings.deadlineMs} ms, --deadline)`,
        got: error.message,
      };
    } else
      result = { outcome: "failed", expected: "the check to run to its end", got: error instanceof Error ? error.message : String(error) };
  }
  const violations = ctx.exchanges.flatMap((exchange: Exchange) =>
    exchange.violations.map((v) => `${exchange.method} ${exchange.target}: ${v}`),
  );
  if (violations.length > 0 && result.outcome !== "failed") {
    const first = ctx.exchanges.find((exchange) => exchange.violations.length > 0)!;
    result = { outcome: "failed", expected: "every answer as the spec declares it", got: `${describe(first)}: ${first.violations[0]}` };
  }
  return {
    ...base,
    ...result,
    details: [...violations.map((v) => `spec: ${v}`), ...ctx.notes],
    requests: ctx.exchanges.length,
    durationMs: Date.now() - started,
  };
}

/** Cancels the jobs the run created that are still pending; says what it did. */
async function cancelCreatedJobs(ctx: CheckContext): Promise<string[]> {
  const lines: string[] = [];
  ctx.exchanges = [];
  for (const { tenant, jobId } of ctx.created) {
    try {
      // Only what is still pending: a cancelled or finished job is left as it is.
      const cleanup = { authorization: tenant.apiKey, retryRateLimited: false, withinDeadline: false };
      const current = await ctx.request("GET", jobPath(tenant.projectKey, jobId), cleanup);
      const status = (current.body as { data?: { status?: unknown } } | undefined)?.data?.status;
      if (current.status === 200 && status !== "scheduled" && status !== "running") continue;
      const answer = await ctx.request("DELETE", jobPath(tenant.projectKey, jobId), cleanup);
      if (answer.status === 200) lines.push(`cancelled job ${jobId} of project ${tenant.projectKey}`);
      else if (answer.status !== 501) lines.push(`could not cancel job ${jobId} of project ${tenant.projectKey}: ${answer.status}`);
    } catch (error) {
      lines.push(
        `could not cancel job ${jobId} of project ${tenant.projectKey}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return lines;
}
