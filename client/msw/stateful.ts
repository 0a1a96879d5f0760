// Stateful MSW handlers: the four operations over an in-memory store, answering as the reference
// server does (API key and tenancy, one pending deletion per user, keyset pages with a `Link`
// header, 501 on cancelling a finished job, RFC 9457 problems), plus controls a test uses to move
// jobs along as the server's job runner would, and test mode as the sandbox applies it
// (client/contract/test-mode.ts: scripted userIds, `Prefer: code=`, `times=`, `delay=`).
import { HttpResponse, type HttpHandler } from "msw";
import { createOpenApiHttp } from "openapi-msw";
import type { Job, JobStatus, paths } from "../index.js";
import { DEFAULT_BASE_URL } from "./examples.js";
import { malformedPathHandler } from "./malformed.js";
import { parameterProblem } from "./parameters.js";
import { PROBLEM_INIT, ProblemError } from "./problems.js";
import { operationSpec, type OperationId } from "./spec.js";
import { MemoryJobsStore, type Project, type TenantOptions } from "./store.js";
import { createTestModeStep } from "./test-mode.js";

export { DEFAULT_PROJECT_KEY } from "./store.js";
export type { TenantOptions } from "./store.js";

export interface StatefulHandlersOptions {
  /** The API's base URL, as given to createJobsClient (default "http://localhost:4010"); `*` matches any origin. */
  baseUrl?: string;
  /**
   * Organizations: each API key reaches its own projects only (others answer 404 like missing
   * ones). Default: one organization whose key is any non-empty string, with one project
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
  /** MSW handlers for listJobs, getJob, cancelJob and deleteUserData. */
  handlers: HttpHandler[];
  jobs: StatefulJobs;
}

/** `<key>` as the original documentation sends it, or `Bearer <key>` (as the reference server reads it). */
function apiKeyFromHeader(header: string | null): string | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  const bearer = /^Bearer\s+(\S+)$/i.exec(value);
  const key = bearer ? bearer[1]! : value;
  return /^[\x21-\x7e]{1,256}$/.test(key) ? key : undefined;
}

/** The path prefix of the base URL ("" for an origin), which the `Link` target must keep. */
function basePath(baseUrl: string): string {
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, "");
  } catch {
    return "";
  }
}

export function createStatefulHandlers(options: StatefulHandlersOptions = {}): StatefulHandlers {
  const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
  const store = new MemoryJobsStore(options.tenants, options.now ?? Date.now, options.startDelayMs ?? 0);
  const http = createOpenApiHttp<paths>({ baseUrl });
  const prefix = basePath(baseUrl);
  const testMode = createTestModeStep();

  /** The organization of the request's key; 401 for a missing, malformed or unknown key. */
  function authenticate(request: Request): number {
    const key = apiKeyFromHeader(request.headers.get("Authorization"));
    const organization = key === undefined ? undefined : store.organizationOf(key);
    if (organization === undefined) throw new ProblemError("unauthorized", "Invalid API Key");
    return organization;
  }

  /** The problem's `instance`: the request's path, the userId kept out. */
  function instanceOf(operationId: OperationId, request: Request): string {
    const path = new URL(request.url).pathname;
    return operationId === "deleteUserData" ? path.replace(/\/users\/[^/]*$/, "/users/[userId]") : path;
  }

  /**
   * What every operation does first, in the reference server's order: the key (401), the
   * parameters against the spec (400), test mode's `Prefer` (a simulated answer, or a delay), the
   * project within the key's organization (404). Then `run`; a ProblemError becomes its problem
   * answer (the userId is kept out of `instance`).
   */
  async function answer(
    operationId: OperationId,
    request: Request,
    params: Record<string, string | undefined>,
    run: (project: Project) => Response,
  ): Promise<Response> {
    const instance = instanceOf(operationId, request);
    try {
      const organization = authenticate(request);
      const invalid = parameterProblem(operationSpec(operationId).parameters, params, new URL(request.url).searchParams, {
        integers: "canonical",
        unknownQuery: "reject",
      });
      if (invalid !== undefined) throw new ProblemError("bad-request", invalid);
      const simulated = await testMode(request, instance);
      if (simulated !== undefined) return simulated;
      const projectKey = params.projectKey!;
      const project = store.findProject(organization, projectKey);
      if (!project) throw new ProblemError("not-found", `Project ${projectKey} was not found.`);
      return run(project);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      return HttpResponse.json(error.body(instance), { status: error.status, ...PROBLEM_INIT });
    }
  }

  function jobNotFound(jobId: number, project: Project): ProblemError {
    return new ProblemError("not-found", `Job ${jobId} was not found in project ${project.projectKey}.`);
  }

  function nextPageLink(projectKey: string, status: JobStatus | undefined, limit: number, after: number): string {
    const search = new URLSearchParams();
    if (status !== undefined) search.set("status", status);
    search.set("limit", String(limit));
    search.set("after", String(after));
    return `<${prefix}/api/v1/${encodeURIComponent(projectKey)}/jobs?${search}>; rel="next"`;
  }

  const handlers: HttpHandler[] = [
    malformedPathHandler(baseUrl, (operationId, request) => {
      try {
        authenticate(request);
        throw new ProblemError("bad-request", "The request path is not valid percent-encoded UTF-8.");
      } catch (error) {
        if (!(error instanceof ProblemError)) throw error;
        return HttpResponse.json(error.body(instanceOf(operationId, request)), { status: error.status, ...PROBLEM_INIT });
      }
    }),

    http.get("/api/v1/{projectKey}/jobs", async ({ request, params, query, response }) =>
      response.untyped(
        await answer("listJobs", request, params, (project) => {
          const status = query.get("status") ?? undefined;
          const limitText = query.get("limit");
          const afterText = query.get("after");
          const limit = limitText === null ? undefined : Number(limitText);
          const after = afterText === null ? undefined : Number(afterText);
          // One job more than asked tells whether a next page exists.
          const rows = store.listJobs(project.projectId, { status, after, limit: limit === undefined ? undefined : limit + 1 });
          if (limit === undefined || rows.length <= limit) return response(200).json({ data: rows });
          const page = rows.slice(0, limit);
          const link = nextPageLink(project.projectKey, status, limit, page[page.length - 1]!.jobId);
          return response(200).json({ data: page }, { headers: { Link: link } });
        }),
      ),
    ),

    http.get("/api/v1/{projectKey}/jobs/{jobId}", async ({ request, params, response }) =>
      response.untyped(
        await answer("getJob", request, params, (project) => {
          const jobId = Number(params.jobId);
          const job = store.getJob(project.projectId, jobId);
          if (!job) throw jobNotFound(jobId, project);
          return response(200).json({ data: job });
        }),
      ),
    ),

    http.delete("/api/v1/{projectKey}/jobs/{jobId}", async ({ request, params, response }) =>
      response.untyped(
        await answer("cancelJob", request, params, (project) => {
          const jobId = Number(params.jobId);
          const result = store.cancelJob(project.projectId, jobId);
          switch (result.outcome) {
            case "cancelled":
              return response(200).json({ data: result.job });
            case "not-cancellable":
              throw new ProblemError(
                "job-not-cancellable",
                `Job ${result.job.jobId} is ${result.job.status} and can no longer be cancelled.`,
              );
            case "not-found":
              throw jobNotFound(jobId, project);
          }
        }),
      ),
    ),

    http.delete("/api/v1/{projectKey}/users/{userId}", async ({ request, params, response }) =>
      response.untyped(
        await answer("deleteUserData", request, params, (project) =>
          response(200).json({ data: store.scheduleUserDeletion(project.projectId, params.userId) }),
        ),
      ),
    ),

    // An empty userId (`/users/`) matches no handler above; the reference server refuses it with 400.
    http.untyped.delete(`${baseUrl}/api/v1/:projectKey/users/`, ({ request, params }) =>
      answer("deleteUserData", request, { projectKey: String(params.projectKey), userId: "" }, () => {
        throw new Error("unreachable: an empty userId is refused before");
      }),
    ),
  ];

  return {
    handlers,
    jobs: {
      list: (projectKey) => store.allJobs(projectKey),
      advance: (jobId, to, errors) => store.advance(jobId, to, errors),
      reset: () => store.reset(),
    },
  };
}
