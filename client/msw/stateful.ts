// Stateful MSW handlers: the operations over an in-memory store, answering what the reference
// server answers for the same request — the spec's path rules, the API key and tenancy, parameter
// checks, one pending deletion per user, keyset pages with a `Link` header, 501 on cancelling a
// finished job, problems with the server's words and headers — from the contract core, plus
// controls a test uses to move jobs along as the server's job runner would, and test mode as the
// sandbox applies it (client/contract/test-mode.ts: scripted userIds, `Prefer: code=`, `times=`,
// `delay=`, the last through MSW's delay()).
import { delay, http as mswHttp, HttpResponse, type HttpHandler } from "msw";
import { createOpenApiHttp } from "openapi-msw";
import {
  apiKeyFromHeader,
  contract,
  createTestModeDecider,
  decodeSegment,
  nextPageLink,
  jsonContentType,
  MOCK_BASE_URL,
  parameterProblem,
  problemBody,
  problemWords,
  PROBLEM_CONTENT_TYPE,
  shownPath,
  SIMULATED_PROBLEMS,
  WWW_AUTHENTICATE,
  type Job,
  type JobStatus,
  type OperationId,
  requestIdFor,
  type Problem,
} from "../contract/index.js";
import type { paths } from "../index.js";
import { scopeOf, type Target } from "./scope.js";
import { MemoryJobsStore, type Project, type TenantOptions } from "./store.js";

export { DEFAULT_PROJECT_KEY } from "./store.js";
export type { TenantOptions } from "./store.js";

export interface StatefulHandlersOptions {
  /** The API's base URL, as given to createJobsClient (default "http://127.0.0.1:4010"); `*` matches any origin. */
  baseUrl?: string;
  /**
   * Organizations: each API key reaches its own projects only (others answer 404 like missing
   * ones). Default: one organization whose key is any well-formed key, with one project
   * "demo-project".
   */
  tenants?: TenantOptions[];
  /** Epoch ms clock; default Date.now. */
  now?: () => number;
  /** startAt of new jobs = now + this (default 0). */
  startDelayMs?: number;
}

/** Test controls over the stateful handlers' jobs. */
export interface StatefulJobs {
  /** Every job (of that project when projectKey is given; an unknown one throws), ascending jobId. */
  list(projectKey?: string): Job[];
  /**
   * Moves a job as the server's runner would: scheduled → running → completed or failed (`errors`
   * is the failure's message; default "The deletion failed."). `updatedAt` becomes now. Any other
   * move (backwards, from a final status) throws.
   */
  advance(jobId: number, to: "running" | "completed" | "failed", errors?: string): Job;
  /** Forgets every job; jobIds start at 1 again. */
  reset(): void;
}

export interface StatefulHandlers {
  /** MSW handlers for every operation, and for every other request to the base URL (answered as the server does). */
  handlers: HttpHandler[];
  jobs: StatefulJobs;
}

/** A problem answer: status, body and headers, as the server sends it. */
interface Refusal<Status extends number = number> {
  status: Status;
  body: Problem;
  init: { headers: Record<string, string> };
}

/** What an operation's handler works with once the request is admitted. */
interface Admitted {
  project: Project;
  path: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Headers every answer carries (X-Request-Id). */
  headers: Record<string, string>;
}

/** The path prefix of the base URL ("" for an origin), which the `Link` target must keep. */
function basePath(baseUrl: string): string {
  try {
    return new URL(baseUrl.replace(/^\*/, "http://any.origin")).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
}

export function createStatefulHandlers(options: StatefulHandlersOptions = {}): StatefulHandlers {
  const baseUrl = options.baseUrl ?? MOCK_BASE_URL;
  const scope = scopeOf(baseUrl);
  const store = new MemoryJobsStore(options.tenants, options.now ?? Date.now, options.startDelayMs ?? 0);
  const http = createOpenApiHttp<paths>({ baseUrl });
  const prefix = basePath(baseUrl);
  const testMode = createTestModeDecider();

  function refusal<Status extends number>(
    status: Status,
    detail: string,
    request: Request,
    target: Target,
    extra: Record<string, string> = {},
  ): Refusal<Status> {
    const requestId = requestIdFor(request.headers.get("X-Request-Id"));
    const instance = shownPath(request.method, target.pathname, { query: false });
    return {
      status,
      body: problemBody(status, detail, { instance, requestId }),
      init: { headers: { "Content-Type": jsonContentType(PROBLEM_CONTENT_TYPE), "X-Request-Id": requestId, ...extra } },
    };
  }

  // An answer to HEAD has the headers of the answer to GET and no body (RFC 9110 §9.3.2).
  const toResponse = (answer: Refusal, request: Request) =>
    request.method === "HEAD"
      ? new HttpResponse(null, { status: answer.status, ...answer.init })
      : HttpResponse.json(answer.body, { status: answer.status, ...answer.init });

  /**
   * What the server checks before an operation runs, in its order: the key (401), the parameters
   * against the spec (400), test mode's `Prefer` (a delay, a simulated 401, 429 or 503), the
   * project within the key's organization (404). Undefined when the request is not exactly this
   * operation's (the path rules decide; another handler answers it).
   */
  async function admit(operationId: OperationId, request: Request): Promise<Admitted | Refusal<400 | 401 | 404 | 429 | 503> | undefined> {
    const target = scope.targetOf(request);
    if (target === undefined) return undefined;
    const route = contract.route(request.method, target.pathname);
    if (route.kind !== "operation" || route.operation.operationId !== operationId) return undefined;
    const key = apiKeyFromHeader(request.headers.get("Authorization"));
    const organization = key === undefined ? undefined : store.organizationOf(key);
    if (organization === undefined)
      return refusal(401, problemWords.invalidApiKey, request, target, { "WWW-Authenticate": WWW_AUTHENTICATE });
    const invalid = parameterProblem(route.operation, route.path, target.search);
    if (invalid !== undefined) return refusal(400, invalid, request, target);
    const decision = testMode(request);
    if (decision.delayMs > 0) await delay(decision.delayMs);
    if (decision.status !== undefined) {
      const { status, detail, headers } = SIMULATED_PROBLEMS[decision.status];
      return refusal(status, detail, request, target, { ...headers });
    }
    const projectKey = decodeURIComponent(route.path.projectKey!);
    const project = store.findProject(organization, projectKey);
    if (!project) return refusal(404, problemWords.projectNotFound(projectKey), request, target);
    return {
      project,
      path: Object.fromEntries(Object.entries(route.path).map(([name, raw]) => [name, decodeURIComponent(raw)])),
      query: new URLSearchParams(target.search),
      headers: { "Content-Type": jsonContentType("application/json"), "X-Request-Id": requestIdFor(request.headers.get("X-Request-Id")) },
    };
  }

  const isRefusal = (admitted: Admitted | Refusal): admitted is Refusal => "body" in admitted;

  const handlers: HttpHandler[] = [
    // A path that is not valid percent-encoding: msw would throw decoding it for the typed handlers
    // below (a RegExp path makes msw decode nothing). Answered as the server does, whatever the key.
    mswHttp.all(scope.pattern, ({ request }) => {
      const target = scope.targetOf(request);
      if (target === undefined || decodeSegment(target.pathname) !== undefined) return undefined;
      const route = contract.route(request.method, target.pathname);
      if (route.kind !== "operation") return undefined;
      return toResponse(refusal(400, problemWords.malformedPath, request, target), request);
    }),

    http.get("/api/v1/{projectKey}/jobs", async ({ request, response }) => {
      const admitted = await admit("listJobs", request);
      if (admitted === undefined) return undefined;
      if (isRefusal(admitted)) return response(admitted.status).json(admitted.body, admitted.init);
      const { project, query, headers } = admitted;
      const status = (query.get("status") ?? undefined) as JobStatus | undefined;
      const limitText = query.get("limit");
      const afterText = query.get("after");
      const limit = limitText === null ? undefined : Number(limitText);
      const after = afterText === null ? undefined : Number(afterText);
      // One job more than asked tells whether a next page exists.
      const rows = store.listJobs(project.projectId, { status, after, limit: limit === undefined ? undefined : limit + 1 });
      if (limit === undefined || rows.length <= limit) return response(200).json({ data: rows }, { headers });
      const page = rows.slice(0, limit);
      const link = nextPageLink(project.projectKey, { status, limit, after: page[page.length - 1]!.jobId }, prefix);
      return response(200).json({ data: page }, { headers: { ...headers, Link: link } });
    }),

    http.get("/api/v1/{projectKey}/jobs/{jobId}", async ({ request, response }) => {
      const admitted = await admit("getJob", request);
      if (admitted === undefined) return undefined;
      if (isRefusal(admitted)) return response(admitted.status).json(admitted.body, admitted.init);
      const { project, path, headers } = admitted;
      const jobId = Number(path.jobId);
      const job = store.getJob(project.projectId, jobId);
      if (!job) {
        const answer = jobNotFound(request, jobId, project);
        return response(answer.status).json(answer.body, answer.init);
      }
      return response(200).json({ data: job }, { headers });
    }),

    http.delete("/api/v1/{projectKey}/jobs/{jobId}", async ({ request, response }) => {
      const admitted = await admit("cancelJob", request);
      if (admitted === undefined) return undefined;
      if (isRefusal(admitted)) return response(admitted.status).json(admitted.body, admitted.init);
      const { project, path, headers } = admitted;
      const jobId = Number(path.jobId);
      const result = store.cancelJob(project.projectId, jobId);
      switch (result.outcome) {
        case "cancelled":
          return response(200).json({ data: result.job }, { headers });
        case "not-cancellable": {
          const answer = refusal(501, problemWords.notCancellable(result.job), request, scope.targetOf(request)!);
          return response(answer.status).json(answer.body, answer.init);
        }
        case "not-found": {
          const answer = jobNotFound(request, jobId, project);
          return response(answer.status).json(answer.body, answer.init);
        }
      }
    }),

    http.delete("/api/v1/{projectKey}/users/{userId}", async ({ request, response }) => {
      const admitted = await admit("deleteUserData", request);
      if (admitted === undefined) return undefined;
      if (isRefusal(admitted)) return response(admitted.status).json(admitted.body, admitted.init);
      const { project, path, headers } = admitted;
      return response(200).json({ data: store.scheduleUserDeletion(project.projectId, path.userId!) }, { headers });
    }),

    // Every other request to the base URL: what the spec's path rules make of it, as the server
    // answers (404 no operation, 405 with Allow, 400 for an empty userId).
    mswHttp.all(scope.pattern, ({ request }) => {
      const target = scope.targetOf(request);
      if (target === undefined) return undefined;
      const route = contract.route(request.method, target.pathname);
      const shown = shownPath(request.method, target.pathname, { query: false });
      switch (route.kind) {
        case "method-not-allowed":
          return toResponse(
            refusal(405, problemWords.methodNotAllowed(request.method, shown), request, target, {
              Allow: route.allowed.map((m) => m.toUpperCase()).join(", "),
            }),
            request,
          );
        case "empty-parameter":
          return toResponse(refusal(400, problemWords.emptyPathParameter(route.parameter), request, target), request);
        case "no-operation":
          return toResponse(refusal(404, problemWords.noOperation(request.method, shown), request, target), request);
        case "operation":
          return undefined; // its handler above answered
      }
    }),
  ];

  function jobNotFound(request: Request, jobId: number, project: Project): Refusal<404> {
    return refusal(404, problemWords.jobNotFound(jobId, project.projectKey), request, scope.targetOf(request)!);
  }

  return {
    handlers,
    jobs: {
      list: (projectKey) => store.allJobs(projectKey),
      advance: (jobId, to, errors) => store.advance(jobId, to, errors),
      reset: () => store.reset(),
    },
  };
}
