// Test mode: the values with which a frontend produces every state and failure of the Jobs API on
// purpose. One table, applied alike by the sandbox (`jobs-api sandbox`) and the stateful MSW
// handlers, never by `jobs-api serve`: userIds that script a job's life, and `Prefer` values (Prism's
// names where Prism has one) that answer 401, 429 or 503, or answer late. docs/frontend.md and the
// reference page render this table (scripts/docs-test-mode.ts); a test fails when they differ.
// Browser-safe: no dependency, no Node API (it ships in the light client package).
import type { components } from "../../generated/schema.js";
import { problemBody, problemWords, titleFor, kindForStatus, WWW_AUTHENTICATE, type Problem, type ProblemKind } from "./problems.js";

type JobStatus = components["schemas"]["JobStatus"];

/** The scripted userIds' domain: `.example` is reserved (RFC 2606), so no real end user has one. */
export const TEST_MODE_DOMAIN = "test.example";

/** How a scripted job lives: when it starts, how long it runs, how it ends. */
export interface JobScript {
  userId: string;
  /** What it is for, in a line (the docs' table). */
  purpose: string;
  /** startAt: after the server's usual start delay, or at once (startAt = createdAt). */
  start: "usual" | "at-once";
  /** How long it stays `running` before it ends, in milliseconds. */
  runMs: number;
  ends: "completed" | "failed";
  /** Its `errors` once it has ended (null unless it failed). */
  errors: string | null;
  /**
   * Ended before deleteUserData answers: the answer shows the job as it was created (`scheduled`),
   * every later request sees it ended.
   */
  endedWhenAnswered: boolean;
  /** The statuses a client following the job sees, in order (a poll may miss a short one). */
  statuses: readonly JobStatus[];
}

/**
 * The runner's words for a failure ("<action> failed: <reason>", server/runner/runner.ts), with a
 * reason a real deletion can meet.
 */
const FAILED_ERRORS = "Deleting the user's sessions failed: the sessions database did not answer within 30 seconds.";

export const JOB_SCRIPTS: readonly JobScript[] = [
  {
    userId: `fail@${TEST_MODE_DOMAIN}`,
    purpose: "a deletion that fails, with the reason in `errors`",
    start: "usual",
    runMs: 2_000,
    ends: "failed",
    errors: FAILED_ERRORS,
    endedWhenAnswered: false,
    statuses: ["scheduled", "running", "failed"],
  },
  {
    userId: `slow@${TEST_MODE_DOMAIN}`,
    purpose: "a long deletion, to cancel while it is `running`",
    start: "usual",
    runMs: 60_000,
    ends: "completed",
    errors: null,
    endedWhenAnswered: false,
    statuses: ["scheduled", "running", "completed"],
  },
  {
    userId: `instant@${TEST_MODE_DOMAIN}`,
    purpose: "a deletion that completes at once",
    start: "at-once",
    runMs: 0,
    ends: "completed",
    errors: null,
    endedWhenAnswered: false,
    statuses: ["scheduled", "completed"],
  },
  {
    userId: `finished@${TEST_MODE_DOMAIN}`,
    purpose: "a job that has ended before you can cancel it: every cancel answers 501",
    start: "at-once",
    runMs: 0,
    ends: "completed",
    errors: null,
    endedWhenAnswered: true,
    statuses: ["scheduled", "completed"],
  },
];

/** The script of a userId (exact, case-sensitive match, as userIds are), or undefined. */
export function jobScriptOf(userId: string): JobScript | undefined {
  return JOB_SCRIPTS.find((script) => script.userId === userId);
}

/** A scripted job's startAt, given the one the server would set. */
export function scriptedStartAt(script: JobScript, now: number, usualStartAt: number): number {
  return script.start === "at-once" ? now : usualStartAt;
}

/**
 * Where a scripted job is at `now` when nothing else moves it (the MSW handlers; the sandbox's
 * runner gets there by running it): `scheduled` until startAt, `running` for runMs, then ended.
 * `since` is when it got there (its updatedAt).
 */
export function scriptedState(
  script: JobScript,
  startAt: number,
  now: number,
): { status: "scheduled" } | { status: "running" | "completed" | "failed"; since: number; errors: string | null } {
  if (now < startAt) return { status: "scheduled" };
  if (now < startAt + script.runMs) return { status: "running", since: startAt, errors: null };
  return { status: script.ends, since: startAt + script.runMs, errors: script.errors };
}

// --- Prefer: simulated answers ----------------------------------------------------------------

/** The statuses `Prefer: code=` simulates in test mode; any other code is left to the mock (Prism). */
export const SIMULATED_STATUSES = [401, 429, 503] as const;
export type SimulatedStatus = (typeof SIMULATED_STATUSES)[number];

/** `Prefer: delay=` is cut to this, in milliseconds. */
export const MAX_DELAY_MS = 10_000;
/** `Prefer: times=` is cut to this. */
export const MAX_TIMES = 100;
/** How many requests test mode remembers for `times` (the oldest are forgotten first). */
export const REMEMBERED_REQUESTS = 10_000;

/** What a `Prefer` header asks of test mode. */
export interface TestModePrefer {
  /** `code=401|429|503`: answer that problem instead of the operation's answer. */
  code?: SimulatedStatus;
  /** `times=N`: only to the first N attempts of the same request (see attemptKey); every attempt without it. */
  times?: number;
  /** `delay=<ms>`: answer that much later (at most MAX_DELAY_MS). */
  delayMs?: number;
}

/** Whole decimal digits only: `1e3`, `0x10`, `-1` or `1.5` ask for nothing. */
function digits(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * Reads `Prefer` as Prism does (RFC 7240 `name=value` preferences, comma- or semicolon-separated,
 * the first of a name wins; anything unknown or malformed is ignored, never an error).
 */
export function parseTestModePrefer(header: string | null | undefined): TestModePrefer {
  const values = new Map<string, string>();
  for (const part of (header ?? "").split(/[,;]/)) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim().toLowerCase();
    if (eq > 0 && !values.has(name))
      values.set(
        name,
        part
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1"),
      );
  }
  const prefer: TestModePrefer = {};
  const code = digits(values.get("code"));
  if (SIMULATED_STATUSES.includes(code as SimulatedStatus)) prefer.code = code as SimulatedStatus;
  const times = digits(values.get("times"));
  if (times !== undefined && times > 0) prefer.times = Math.min(times, MAX_TIMES);
  const delay = digits(values.get("delay"));
  if (delay !== undefined && delay > 0) prefer.delayMs = Math.min(delay, MAX_DELAY_MS);
  return prefer;
}

/** The parts of a request test mode reads: a fetch Request, or an adapter over Express's. */
export interface TestModeRequest {
  method: string;
  /** Absolute, or path and query. */
  url: string;
  headers: { get(name: string): string | null };
}

/**
 * Which requests are "the same" for `times`: those with the same `X-Request-Id` (a retrying client
 * sends the same headers again), or without one, the same method, path and query. The `Prefer`
 * value is part of the key, so another preference starts a new count.
 */
export function attemptKey(request: TestModeRequest): string {
  const url = new URL(request.url, "http://test-mode.invalid");
  const id = request.headers.get("X-Request-Id");
  return `${id === null ? `${request.method} ${url.pathname}${url.search}` : `id ${id}`}\n${request.headers.get("Prefer") ?? ""}`;
}

/** What test mode does with one request: wait `delayMs`, then answer `status`'s problem or go on. */
export interface TestModeDecision {
  delayMs: number;
  status?: SimulatedStatus;
}

/**
 * A decider with its own memory of attempts (one per server or per set of handlers): reads the
 * request's `Prefer` and, for `times`, counts the attempts of the same request.
 */
export function createTestModeDecider(remembered = REMEMBERED_REQUESTS): (request: TestModeRequest) => TestModeDecision {
  const attempts = new Map<string, number>();
  return (request) => {
    const prefer = parseTestModePrefer(request.headers.get("Prefer"));
    const decision: TestModeDecision = { delayMs: prefer.delayMs ?? 0 };
    if (prefer.code === undefined) return decision;
    if (prefer.times !== undefined) {
      const key = attemptKey(request);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.delete(key); // re-inserted last: a Map iterates oldest first, so eviction drops the stalest
      attempts.set(key, attempt);
      if (attempts.size > remembered) attempts.delete(attempts.keys().next().value!);
      if (attempt > prefer.times) return decision;
    }
    decision.status = prefer.code;
    return decision;
  };
}

/** A simulated answer: the problem the server sends for the real condition, and its headers. */
export interface SimulatedProblem {
  status: SimulatedStatus;
  /** Problem.type is `urn:problem:jobs-api:<kind>`. */
  kind: ProblemKind;
  title: string;
  detail: string;
  headers: Readonly<Record<string, string>>;
}

/** The rate limit the simulated 429 reports (its window in seconds): the server's defaults. */
export const SIMULATED_RATE_LIMIT = { limit: 600, windowSeconds: 60 } as const;
/** Retry-After of the simulated 429, in seconds. */
export const SIMULATED_RETRY_AFTER_SECONDS = 2;

function simulated(status: SimulatedStatus, detail: string, headers: Record<string, string>): SimulatedProblem {
  return { status, kind: kindForStatus(status), title: titleFor(status), detail, headers };
}

/** Each simulated status in the server's words (problems.ts) and with the headers it sends for the real condition. */
export const SIMULATED_PROBLEMS: Readonly<Record<SimulatedStatus, SimulatedProblem>> = {
  401: simulated(401, problemWords.invalidApiKey, { "WWW-Authenticate": WWW_AUTHENTICATE }),
  429: simulated(429, problemWords.rateLimited(SIMULATED_RETRY_AFTER_SECONDS), {
    "Retry-After": String(SIMULATED_RETRY_AFTER_SECONDS),
    // The IETF RateLimit fields, as express-rate-limit writes them (its `draft-7` form).
    "RateLimit-Policy": `${SIMULATED_RATE_LIMIT.limit};w=${SIMULATED_RATE_LIMIT.windowSeconds}`,
    RateLimit: `limit=${SIMULATED_RATE_LIMIT.limit}, remaining=0, reset=${SIMULATED_RETRY_AFTER_SECONDS}`,
  }),
  // The server's 503 for a busy database says Retry-After: 1 (server/http/app.ts, toProblem).
  503: simulated(503, problemWords.unavailable, { "Retry-After": "1" }),
};

/** The body of a simulated answer, as the server writes a problem (requestId: the answer's X-Request-Id). */
export function simulatedProblemBody(status: SimulatedStatus, extra: { instance?: string; requestId?: string } = {}): Problem {
  return problemBody(status, SIMULATED_PROBLEMS[status].detail, { kind: SIMULATED_PROBLEMS[status].kind, ...extra });
}
