// The typed client of the Jobs API: openapi-fetch over the generated `paths`, plus two helpers
// (listAllJobs, waitForJob). It imports only openapi-fetch and generated types, so it runs in
// Node 20 (global fetch) and in browsers, and bundles small (test/client/bundle.test.ts).
import createClient, { mergeHeaders } from "openapi-fetch";
import type { Client, HeadersOptions } from "openapi-fetch";
import type { paths } from "../generated/schema.js";
import { FINAL_JOB_STATUSES, type Job, type JobStatus } from "./contract/jobs.js";
import type { Problem } from "./contract/problems.js";

export type { components, operations, paths } from "../generated/schema.js";
export { FINAL_JOB_STATUSES, PENDING_JOB_STATUSES, JOB_STATUSES, type Job, type JobStatus } from "./contract/jobs.js";
export type { Problem } from "./contract/problems.js";

export interface JobsClientOptions {
  /** Where the API is, e.g. `http://localhost:3000` or the mock's `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** The organization API key, sent raw in `Authorization` as the original documentation does. */
  apiKey: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: (input: Request) => Promise<Response>;
  /** Headers sent with every request (e.g. `{ Prefer: "example=completedJob" }` for the mock). */
  headers?: HeadersOptions;
  /**
   * Retry 429 and 503 after their `Retry-After`, and network errors where repeating is safe:
   * `true` or your settings for every call of this client. Unset, only listAllJobs and waitForJob
   * retry (with the defaults); `false`, nothing does.
   */
  retry?: boolean | RetryOptions;
}

export interface RetryOptions {
  /** Tries of one call, the first included. Default 3. */
  attempts?: number;
  /**
   * The longest wait between two tries, in milliseconds. A `Retry-After` asking for longer is not
   * waited for: the answer (429 or 503) is returned. Default 30000.
   */
  maxDelayMs?: number;
  /** Told before each wait (to log it, or show "retrying in 2 s"). */
  onRetry?: (retry: RetryEvent) => void;
}

export interface RetryEvent {
  request: Request;
  /** The try that failed (1 for the first). */
  attempt: number;
  /** How long the client waits before the next try, in milliseconds. */
  delayMs: number;
  /** The answer's status (429, 503), or undefined after a network error. */
  status?: number;
  /** The network error, if that is what failed. */
  error?: unknown;
}

export interface ListAllJobsOptions {
  /** Only jobs in this status. */
  status?: JobStatus;
  /** Jobs asked for per request (`limit`, 1..1000). Default 100. */
  pageSize?: number;
  /** Stops the iteration; the pending request is aborted and the iterator rejects with the reason. */
  signal?: AbortSignal;
}

export interface WaitForJobOptions {
  /** Resolve as soon as the job is in this status (or one of these); final statuses always resolve. */
  until?: JobStatus | readonly JobStatus[];
  /** Pause between two polls, in milliseconds. Default 1000. */
  intervalMs?: number;
  /** Give up after this many milliseconds (JobWaitTimeoutError). Default 60000; `Infinity` waits forever. */
  timeoutMs?: number;
  /** Abort the wait; the promise rejects with `signal.reason`, unchanged. */
  signal?: AbortSignal;
}

export interface JobsHelpers {
  /** Every job of the project, oldest first, following the `Link: <...>; rel="next"` pages. */
  listAllJobs(projectKey: string, options?: ListAllJobsOptions): AsyncGenerator<Job, void, undefined>;
  /** Polls getJob until the job is final (completed, failed, cancelled) or in `until`. */
  waitForJob(projectKey: string, jobId: number, options?: WaitForJobOptions): Promise<Job>;
}

export type JobsClient = Client<paths> & JobsHelpers;

/** A helper got an answer other than the one it needs; `problem` is the RFC 9457 body, if any. */
export class JobsApiError extends Error {
  override readonly name = "JobsApiError";
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(status: number, body: unknown, context = "The Jobs API") {
    const problem = body !== null && typeof body === "object" && ("detail" in body || "title" in body) ? (body as Problem) : undefined;
    super(`${context} answered ${status}${problem ? `: ${problem.detail || problem.title}` : ""}`);
    this.status = status;
    this.problem = problem;
  }
}

/** waitForJob gave up; `job` is the last state it saw (undefined if no answer came). */
export class JobWaitTimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly job: Job | undefined;
  readonly timeoutMs: number;

  constructor(job: Job | undefined, timeoutMs: number) {
    super(`Job ${job ? `${job.jobId} is still ${job.status}` : "did not answer"} after ${timeoutMs} ms of waiting`);
    this.job = job;
    this.timeoutMs = timeoutMs;
  }
}

export interface LinkValue {
  /** The target as written between `<` and `>` (may be relative). */
  target: string;
  /** The relation types of `rel`, lower-cased (`rel="next last"` gives ["next", "last"]). */
  rel: string[];
  /** Every parameter by lower-cased name (first occurrence wins), unquoted. */
  params: Record<string, string>;
}

/** Parses an RFC 8288 `Link` header: several links, quoted or token values, commas in quotes. */
export function parseLinkHeader(header: string | null | undefined): LinkValue[] {
  const links: LinkValue[] = [];
  const s = header ?? "";
  let i = 0;
  const skip = (chars: string) => {
    while (i < s.length && chars.includes(s[i]!)) i++;
  };
  while (i < s.length) {
    skip(" \t,");
    if (s[i] !== "<") {
      // Not a link-value: skip to the next comma outside a quoted string.
      let quoted = false;
      for (; i < s.length && (quoted || s[i] !== ","); i++) {
        if (s[i] === "\\" && quoted) i++;
        else if (s[i] === '"') quoted = !quoted;
      }
      continue;
    }
    const end = s.indexOf(">", i);
    if (end < 0) break;
    const link: LinkValue = { target: s.slice(i + 1, end).trim(), rel: [], params: {} };
    i = end + 1;
    for (;;) {
      skip(" \t");
      if (s[i] !== ";") break;
      i++;
      skip(" \t");
      const nameStart = i;
      while (i < s.length && !"=;, \t".includes(s[i]!)) i++;
      const name = s.slice(nameStart, i).toLowerCase();
      skip(" \t");
      let value = "";
      if (s[i] === "=") {
        i++;
        skip(" \t");
        if (s[i] === '"') {
          for (i++; i < s.length && s[i] !== '"'; i++) {
            if (s[i] === "\\") i++;
            value += s[i] ?? "";
          }
          i++;
        } else {
          const start = i;
          while (i < s.length && !";, \t".includes(s[i]!)) i++;
          value = s.slice(start, i);
        }
      }
      if (name && !(name in link.params)) link.params[name] = value;
    }
    link.rel = (link.params.rel ?? "")
      .toLowerCase()
      .split(/[ \t]+/)
      .filter(Boolean);
    links.push(link);
  }
  return links;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

type Fetch = (input: Request) => Promise<Response>;

/** The answers that say "nothing was done, try again later". */
const RETRIED_STATUSES = [429, 503];

/** Safe to send again when the answer was lost: reads, and deleteUserData (idempotent while its job is pending); never a cancel. */
function repeatable(request: Request): boolean {
  return request.method === "GET" || (request.method === "DELETE" && /\/users\/[^/]+$/.test(new URL(request.url).pathname));
}

/** `Retry-After` in milliseconds from now: seconds or an HTTP date (RFC 9110 10.2.3); undefined if absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * `fetch`, retrying as RetryOptions says. A wrapped fetch rather than an openapi-fetch middleware:
 * a middleware cannot send a request again through the chain (openapi-fetch declined a `send`,
 * openapi-ts/openapi-typescript#1558), while beneath the chain every middleware sees one request
 * and the final answer.
 */
function retrying(fetch: Fetch, { attempts = 3, maxDelayMs = 30_000, onRetry }: RetryOptions): Fetch {
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= attempts;
      let response: Response | undefined;
      let error: unknown;
      try {
        response = await fetch(last ? request : request.clone());
      } catch (e) {
        if (last || request.signal.aborted || !repeatable(request)) throw e;
        error = e;
      }
      if (response && (last || !RETRIED_STATUSES.includes(response.status))) return response;
      const asked = response && retryAfterMs(response.headers.get("Retry-After"));
      if (asked !== undefined && asked > maxDelayMs) return response!;
      // As asked and a little more (jitter, so that clients spread out), or else a growing backoff with full jitter.
      const delayMs = Math.min(maxDelayMs, asked === undefined ? Math.random() * 500 * 2 ** attempt : asked * (1 + Math.random() / 10));
      onRetry?.({ request, attempt, delayMs, status: response?.status, error });
      // Frees the connection; not awaited, as some fetch implementations (MSW's) never settle it.
      response?.body?.cancel().catch(() => undefined);
      await sleep(delayMs, request.signal);
    }
  };
}

/** The typed Jobs API client: the openapi-fetch client for `paths`, with listAllJobs and waitForJob. */
export function createJobsClient(options: JobsClientOptions): JobsClient {
  const { baseUrl, apiKey, fetch, headers, retry } = options;
  // The global fetch looked up at each call: MSW and other interceptors replace it after start-up.
  const baseFetch: Fetch = fetch ?? ((input) => globalThis.fetch(input));
  const policy = retry === true ? {} : retry || undefined;
  const client = createClient<paths>({
    baseUrl,
    // Sent raw, as the original documentation shows; a request may drop it with `Authorization: null`.
    headers: mergeHeaders(headers, { Authorization: apiKey }),
    ...(policy ? { fetch: retrying(baseFetch, policy) } : fetch ? { fetch } : {}),
  });
  // The helpers retry unless told not to; on a client that retries already, once is enough.
  const helperFetch = retry === undefined ? retrying(baseFetch, {}) : undefined;

  // Link targets are relative to the server; follow them only on the origin the key was given for.
  function resolveLink(target: string): string {
    const page = (globalThis as { location?: { href?: string } }).location?.href;
    const base = new URL(baseUrl || "/", page);
    const url = new URL(target, base);
    if (url.origin !== base.origin) {
      throw new Error(`Refusing to follow a Link to ${url.origin}: the API key is only sent to ${base.origin}`);
    }
    return url.href;
  }

  async function* listAllJobs(
    projectKey: string,
    { status, pageSize = 100, signal }: ListAllJobsOptions = {},
  ): AsyncGenerator<Job, void, undefined> {
    const path = { projectKey };
    const seen = new Set<number>();
    let next: string | undefined;
    for (;;) {
      const target = next;
      const { data, error, response } =
        target === undefined
          ? await client.GET("/api/v1/{projectKey}/jobs", {
              params: { path, query: { status, limit: pageSize } },
              signal,
              fetch: helperFetch,
            })
          : await client.GET("/api/v1/{projectKey}/jobs", {
              // The next page's URL is used as it is, through the same client (headers, middleware).
              params: { path },
              pathSerializer: () => target,
              querySerializer: () => "",
              signal,
              fetch: helperFetch,
            });
      if (response.status !== 200 || !data) {
        throw new JobsApiError(response.status, error, `listJobs of project ${projectKey}`);
      }
      // Stop when a page brings nothing new, so a server (or the mock) whose next link does not
      // advance cannot make this loop forever or yield a job twice.
      let progressed = false;
      for (const job of data.data) {
        if (seen.has(job.jobId)) continue;
        seen.add(job.jobId);
        progressed = true;
        yield job;
      }
      const link = parseLinkHeader(response.headers.get("Link")).find((l) => l.rel.includes("next"));
      if (!link || !progressed) return;
      next = resolveLink(link.target);
    }
  }

  async function waitForJob(
    projectKey: string,
    jobId: number,
    { until = [], intervalMs = 1000, timeoutMs = 60_000, signal }: WaitForJobOptions = {},
  ): Promise<Job> {
    signal?.throwIfAborted();
    const stopAt = new Set<JobStatus>([...FINAL_JOB_STATUSES, ...(typeof until === "string" ? [until] : until)]);
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let last: Job | undefined;
    // setTimeout cannot wait longer than 2^31-1 ms; anything longer (Infinity) waits forever.
    const timer = timeoutMs < 2 ** 31 ? setTimeout(() => controller.abort(new JobWaitTimeoutError(last, timeoutMs)), timeoutMs) : undefined;
    try {
      for (;;) {
        controller.signal.throwIfAborted();
        const { data, error, response } = await client.GET("/api/v1/{projectKey}/jobs/{jobId}", {
          params: { path: { projectKey, jobId } },
          signal: controller.signal,
          fetch: helperFetch,
        });
        if (response.status !== 200 || !data) {
          throw new JobsApiError(response.status, error, `getJob ${jobId} of project ${projectKey}`);
        }
        last = data.data;
        if (stopAt.has(last.status)) return last;
        await sleep(intervalMs, controller.signal);
      }
    } catch (e) {
      // Timeout or the caller's abort: reject with that reason, not with fetch's AbortError.
      throw controller.signal.aborted ? controller.signal.reason : e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  return Object.assign(client, { listAllJobs, waitForJob });
}
