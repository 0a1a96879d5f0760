// What a check works with: one request function that records and validates every answer, the
// tenants it may use, memoized shared steps (the job it scheduled, the project's list), and the
// two ways a check ends other than passing (CheckFailure, CheckSkip).
import { contract, fillPath, type OperationId } from "../contract/index.js";
import type { SpecValidator } from "./spec.js";
import { mediaType } from "./spec.js";

/** A job as the answers carry it (loosely typed: the answers under test may be anything). */
export interface JobLike {
  jobId: number;
  status: string;
  referenceId: string;
  [field: string]: unknown;
}

/** One request and its answer, as a check saw it. */
export interface Exchange {
  method: string;
  /** Path and query, relative to the base URL. */
  target: string;
  status: number;
  headers: Headers;
  /** The media type of Content-Type, lower-cased, without parameters. */
  contentType: string;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** What the spec says is wrong with the answer (empty when nothing is). */
  violations: string[];
}

export interface Tenant {
  apiKey: string;
  projectKey: string;
}

/** A check found what it looked for missing: `expected` vs `got`, one line each. */
export class CheckFailure extends Error {
  override name = "CheckFailure";
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`expected ${expected}, got ${got}`);
  }
}

/** A check cannot run with the given options or data: `reason` says what it needs. */
export class CheckSkip extends Error {
  override name = "CheckSkip";
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The base URL gave no answer at all (refused, unreachable, timed out). */
export class NoAnswerError extends Error {
  override name = "NoAnswerError";
}

/** The run's deadline (ConformanceOptions.deadlineMs) has passed, or would while waiting out a 429. */
export class DeadlineError extends Error {
  override name = "DeadlineError";
}

export interface RequestOptions {
  /** The Authorization header as sent; null sends none. Default: the own key, raw. */
  authorization?: string | null;
  /** Wait out a 429 (its Retry-After) and try again, up to MAX_ATTEMPTS; default true. */
  retryRateLimited?: boolean;
  /** Bounded by the run's deadline (default true); the cleanup at the end is not, each request only by the timeout. */
  withinDeadline?: boolean;
}

/** The most of an answer's body the kit reads: the largest answer of the contract (a page of 1000 jobs) is far smaller. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Replaces every occurrence of the keys (as sent, JSON-escaped and percent-encoded, as a server
 * may echo them, standing as a token of their own) with `[API key]`: keys are never printed, in
 * any report form.
 */
export function keyMasker(keys: readonly string[]): (text: string) => string {
  const forms = [
    ...new Set(keys.filter((key) => key !== "").flatMap((key) => [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)])),
  ];
  // Longest first, so that a form containing another is replaced whole.
  forms.sort((a, b) => b.length - a.length);
  const alternatives = (list: string[]) => list.map(escapeRegExp).join("|");
  // A key as long as a real one (36 characters) is masked wherever it stands; a short one (a
  // test's "k1") only as a token of its own, or the letters of every word holding it would go.
  const long = forms.filter((form) => form.length >= 12);
  const short = forms.filter((form) => form.length < 12);
  const patterns = [
    ...(long.length > 0 ? [new RegExp(alternatives(long), "g")] : []),
    ...(short.length > 0 ? [new RegExp(`(?<![\\w-])(?:${alternatives(short)})(?![\\w-])`, "g")] : []),
  ];
  return (text) => patterns.reduce((masked, pattern) => masked.replace(pattern, "[API key]"), text);
}

export interface CreatedJob {
  tenant: Tenant;
  jobId: number;
}

export interface ContextOptions {
  baseUrl: string;
  own: Tenant;
  other: Tenant | undefined;
  allowWrites: boolean;
  userPrefix: string;
  timeoutMs: number;
  /** The run ends (DeadlineError) at this time (epoch milliseconds), whatever is under way. */
  deadline: number;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  validator: SpecValidator;
  /** The job statuses the spec knows (JobStatus enum). */
  statuses: string[];
  /** A project key that does not exist, and a job id that does not exist. */
  missingProjectKey: string;
  missingJobId: number;
  /** An API key that no organization has. */
  wrongApiKey: string;
}

/** Tries per request when the answer is 429 Too Many Requests (after waiting its Retry-After). */
const MAX_ATTEMPTS = 3;

export class CheckContext {
  readonly own: Tenant;
  readonly other: Tenant | undefined;
  readonly allowWrites: boolean;
  readonly userPrefix: string;
  readonly statuses: string[];
  readonly missingProjectKey: string;
  readonly missingJobId: number;
  readonly wrongApiKey: string;
  /** Jobs the run created, cancelled again at the end if still pending. */
  readonly created: CreatedJob[] = [];
  /** The exchanges of the check that is running (the runner swaps it per check). */
  exchanges: Exchange[] = [];
  /** Extra lines for the running check's result. */
  notes: string[] = [];
  /** Set once a check ended on the run's deadline: the rest are not run. */
  deadlinePassed = false;
  /** Masks the keys of the run in a text that may be printed (keyMasker). */
  readonly mask: (text: string) => string;
  private readonly memos = new Map<string, Promise<unknown>>();

  constructor(private readonly options: ContextOptions) {
    this.mask = keyMasker([options.own.apiKey, options.other?.apiKey ?? ""]);
    this.own = options.own;
    this.other = options.other;
    this.allowWrites = options.allowWrites;
    this.userPrefix = options.userPrefix;
    this.statuses = options.statuses;
    this.missingProjectKey = options.missingProjectKey;
    this.missingJobId = options.missingJobId;
    this.wrongApiKey = options.wrongApiKey;
  }

  /** Sends a request to the base URL and records the answer, validated against the spec. */
  async request(
    method: string,
    target: string,
    { authorization = this.own.apiKey, retryRateLimited = true, withinDeadline = true }: RequestOptions = {},
  ): Promise<Exchange> {
    const base = new URL(this.options.baseUrl);
    const url = `${base.href.replace(/\/$/, "")}${target}`;
    const headers: Record<string, string> = { accept: "application/json, application/problem+json" };
    if (authorization !== null) headers.authorization = authorization;
    const { deadline, timeoutMs } = this.options;
    const deadlinePassed = () => new DeadlineError(`${method} ${target}: the run's deadline passed`);
    let response: Response;
    let body: { text: string; tooLarge: boolean };
    for (let attempt = 1; ; attempt++) {
      const left = withinDeadline ? deadline - Date.now() : Infinity;
      if (left <= 0) throw deadlinePassed();
      try {
        response = await this.options.fetch(url, {
          method,
          headers,
          // A redirect is an answer of its own: the contract declares none.
          redirect: "manual",
          signal: AbortSignal.timeout(Math.min(timeoutMs, left)),
        });
        body = await readBody(response, MAX_BODY_BYTES);
      } catch (error) {
        if (withinDeadline && Date.now() >= deadline) throw deadlinePassed();
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new NoAnswerError(`${method} ${target}: no answer (${cause})`);
      }
      // The rate limit is the deployment's, not the behaviour under test: wait as told, then retry.
      if (response.status !== 429 || !retryRateLimited || attempt >= MAX_ATTEMPTS) break;
      const seconds = Number(response.headers.get("retry-after"));
      const waitMs = 1000 * (Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds, 60) : 1);
      if (withinDeadline && Date.now() + waitMs >= deadline) {
        throw new DeadlineError(`${method} ${target}: 429 with Retry-After ${seconds || 1}; waiting it out would pass the run's deadline`);
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    const path = target.split("?")[0]!;
    const { text, tooLarge } = body;
    const exchange: Exchange = {
      method,
      target,
      status: response.status,
      headers: response.headers,
      contentType: mediaType(response.headers.get("content-type")),
      // What may be printed: a server may echo a key back in a body.
      text: this.mask(text),
      body: tooLarge ? undefined : parseJson(text),
      violations: tooLarge
        ? [`the body is larger than ${MAX_BODY_BYTES} bytes (the kit read no further)`]
        : this.options.validator.violations({ method, path, status: response.status, headers: response.headers, text }),
    };
    this.exchanges.push(exchange);
    return exchange;
  }

  /** Follows a `Link` target: relative to the base URL, on its origin only (the key goes nowhere else). */
  async follow(linkTarget: string): Promise<Exchange> {
    const base = new URL(this.options.baseUrl);
    const url = new URL(linkTarget, base);
    if (url.origin !== base.origin) {
      throw new CheckFailure(`a Link target on ${base.origin}`, `Link to ${url.href}`);
    }
    const prefix = base.pathname.replace(/\/$/, "");
    const path = prefix && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    return this.request("GET", `${path}${url.search}`);
  }

  /** Runs `step` once per run; later calls get the same promise (shared setup between checks). */
  memo<T>(key: string, step: () => Promise<T>): Promise<T> {
    let promise = this.memos.get(key) as Promise<T> | undefined;
    if (promise === undefined) {
      promise = step();
      this.memos.set(key, promise);
    }
    return promise;
  }

  note(line: string): void {
    this.notes.push(line);
  }

  /** Remembers a job the run created, so that it is cancelled at the end if still pending. */
  track(tenant: Tenant, jobId: number): void {
    if (!this.created.some((c) => c.jobId === jobId && c.tenant === tenant)) this.created.push({ tenant, jobId });
  }

  /** A user id for a job this run creates: the prefix, then `name`. */
  userId(name: string): string {
    return `${this.userPrefix}${name}`;
  }
}

/** The body's text, reading at most `limit` bytes (an endless body is cut there: tooLarge). */
async function readBody(response: Response, limit: number): Promise<{ text: string; tooLarge: boolean }> {
  if (response.body === null) return { text: "", tooLarge: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return { text: "", tooLarge: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { text: new TextDecoder().decode(bytes), tooLarge: false };
}

function parseJson(text: string): unknown {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- paths -----------------------------------------------------------------------------------

// From the contract's path templates: the operation each check calls, with its values encoded.
const pathOf = (operationId: OperationId, values: Record<string, string | number>) =>
  fillPath(contract.operation(operationId).path, values);
export const jobsPath = (projectKey: string, query = ""): string => pathOf("listJobs", { projectKey }) + (query ? `?${query}` : "");
export const jobPath = (projectKey: string, jobId: number | string): string => pathOf("getJob", { projectKey, jobId });
export const userPath = (projectKey: string, userId: string): string => pathOf("deleteUserData", { projectKey, userId });

// ---- expectations ----------------------------------------------------------------------------

/** `GET /path -> 200 application/json {"data":...}`, cut to one readable line. */
export function describe(exchange: Exchange): string {
  const body = exchange.text.replace(/\s+/g, " ");
  const cut = body.length > 160 ? `${body.slice(0, 157)}...` : body;
  return `${exchange.method} ${exchange.target} -> ${exchange.status} ${exchange.contentType || "(no Content-Type)"}${cut ? ` ${cut}` : ""}`;
}

/** The answer is `status` with an application/problem+json body. */
export function expectProblem(exchange: Exchange, status: number): void {
  if (exchange.status !== status || exchange.contentType !== "application/problem+json") {
    throw new CheckFailure(`${exchange.method} ${exchange.target} -> ${status} application/problem+json`, describe(exchange));
  }
}

/** The answer is 200 `{"data": Job}`; returns the job. */
export function expectJob(exchange: Exchange): JobLike {
  const data = (exchange.body as { data?: unknown } | undefined)?.data as Partial<JobLike> | undefined;
  if (exchange.status !== 200 || data === undefined || data === null || typeof data.jobId !== "number") {
    throw new CheckFailure(`${exchange.method} ${exchange.target} -> 200 {"data": Job}`, describe(exchange));
  }
  return data as JobLike;
}

/** The answer is 200 `{"data": [Job, ...]}`; returns the jobs. */
export function expectJobList(exchange: Exchange): JobLike[] {
  const data = (exchange.body as { data?: unknown } | undefined)?.data;
  if (exchange.status !== 200 || !Array.isArray(data) || !data.every((j) => typeof (j as JobLike)?.jobId === "number")) {
    throw new CheckFailure(`${exchange.method} ${exchange.target} -> 200 {"data": [Job, ...]}`, describe(exchange));
  }
  return data as JobLike[];
}

/** Fails unless `actual` equals `expected` (JSON values); `what` names the value. */
export function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (canonical(actual) !== canonical(expected)) {
    throw new CheckFailure(`${what} = ${JSON.stringify(expected)}`, JSON.stringify(actual) ?? "undefined");
  }
}

/** JSON with object keys sorted: equal values give equal text whatever the key order. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    ) ?? "undefined"
  );
}

/** Fails unless the job ids are strictly ascending (each once, oldest first). */
export function expectAscending(what: string, jobs: JobLike[]): void {
  for (let i = 1; i < jobs.length; i++) {
    if (jobs[i]!.jobId <= jobs[i - 1]!.jobId) {
      throw new CheckFailure(`${what} in ascending jobId, each once`, `jobIds ${jobs.map((j) => j.jobId).join(", ")}`.slice(0, 200));
    }
  }
}

/** The relation `next` of a Link header, if any (RFC 8288; targets in <...>). */
export function nextLink(exchange: Exchange): string | undefined {
  const header = exchange.headers.get("link");
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = match && /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]!);
    if (match && rel && (rel[1] ?? rel[2] ?? "").toLowerCase().split(/\s+/).includes("next")) return match[1]!;
  }
  return undefined;
}

/**
 * The two answers are the same apart from what identifies the request: `replace` maps each
 * value that legitimately differs (project keys, job ids) to a placeholder, and the problem
 * fields `requestId` and `instance` are set aside. Compared: status, header names, Content-Type,
 * the body text.
 */
export function expectSameAnswer(what: string, actual: Exchange, reference: Exchange, replace: Record<string, string>): void {
  const normalize = (exchange: Exchange): string => {
    let text = exchange.text
      .replace(/"requestId"\s*:\s*"(?:[^"\\]|\\.)*"/g, '"requestId":"{requestId}"')
      .replace(/"instance"\s*:\s*"(?:[^"\\]|\\.)*"/g, '"instance":"{instance}"');
    // Longest first, so that a value containing another is replaced whole.
    for (const [value, placeholder] of Object.entries(replace).sort((a, b) => b[0].length - a[0].length)) {
      const pattern = /^\d+$/.test(value) ? new RegExp(`(?<![0-9])${value}(?![0-9])`, "g") : new RegExp(escapeRegExp(value), "g");
      text = text.replace(pattern, placeholder);
    }
    return text;
  };
  const names = (exchange: Exchange) =>
    [...exchange.headers.keys()]
      .filter((name) => !VOLATILE_HEADERS.has(name))
      .sort()
      .join(", ");
  const differences: string[] = [];
  if (actual.status !== reference.status) {
    // A different status says it all; the bodies then differ anyway.
    differences.push(`status ${actual.status} instead of ${reference.status}`);
  } else {
    if (actual.contentType !== reference.contentType)
      differences.push(`Content-Type ${actual.contentType} instead of ${reference.contentType}`);
    if (names(actual) !== names(reference)) differences.push(`headers [${names(actual)}] instead of [${names(reference)}]`);
    const a = normalize(actual);
    const b = normalize(reference);
    if (a !== b) differences.push(`body ${cut(a)} instead of ${cut(b)}`);
  }
  if (differences.length > 0) {
    throw new CheckFailure(
      `${what}: the same answer as ${reference.method} ${reference.target}`,
      `${describe(actual)}: ${differences.join("; ")}`,
    );
  }
}

/** Headers that differ between any two answers (time, length, connection handling). */
const VOLATILE_HEADERS = new Set(["date", "content-length", "connection", "keep-alive", "transfer-encoding", "x-request-id"]);

function cut(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
