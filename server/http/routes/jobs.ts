// listJobs, getJob, cancelJob: thin handlers. Validation and coercion happened in the
// validator (openapi.yaml); tenancy in auth.ts; SQL in the store.
import { Router, type NextFunction, type Request, type Response } from "express";
import type { Job, JobStatus, Store } from "../../store/types.js";
import { projectOf, resolveProject } from "../auth.js";
import { HttpProblem, problemWords } from "../problems.js";
import type { OperationRequest, OperationResponse } from "./types.js";
import { nextPageLink } from "../../../client/contract/index.js";
import { compileSchemaValidator, streamJsonList } from "../json-list-stream.js";

/**
 * Jobs per database read when listJobs streams the whole list (no limit): large enough that the
 * per-query cost vanishes, small enough that memory stays flat (bench/README.md, list-all).
 */
export const LIST_ALL_CHUNK = 1000;

export function jobsRouter(deps: { store: Store; clock: () => number; validateResponses?: boolean }): Router {
  const { store, clock } = deps;
  // The whole list is streamed past res.json (and so past the response validator): its items
  // are validated here instead, with the Job schema compiled once.
  const validateJob = deps.validateResponses ? compileSchemaValidator("Job") : undefined;
  const router = Router({ caseSensitive: true, strict: true }); // the spec's paths, exactly
  router.param("projectKey", resolveProject(store));
  router.param("jobId", jobIdAsNumber);

  router.get("/api/v1/:projectKey/jobs", async (req: OperationRequest<"listJobs">, res: OperationResponse<"listJobs">) => {
    const project = projectOf(res);
    const { status, limit, after } = req.query; // canonical safe integers (server/http/parameters.ts)
    if (limit === undefined) {
      // Streamed in keyset chunks: memory stays bounded however many jobs the project has.
      await streamJsonList(res, "data", allJobs(store, project.projectId, status, after), validateJob);
      return;
    }
    // One row more than asked tells whether a next page exists, without a COUNT.
    const rows = await store.listJobs(project.projectId, { status, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    if (rows.length > limit && last !== undefined) {
      res.setHeader("Link", nextPageLink(req.params.projectKey, { status, limit, after: last.jobId }));
    }
    res.json({ data: page });
  });

  router.get("/api/v1/:projectKey/jobs/:jobId", async (req: OperationRequest<"getJob">, res: OperationResponse<"getJob">) => {
    const project = projectOf(res);
    const job = await store.getJob(project.projectId, req.params.jobId);
    if (job === undefined) throw jobNotFound(req.params.jobId, project.projectKey);
    res.json({ data: job });
  });

  router.delete("/api/v1/:projectKey/jobs/:jobId", async (req: OperationRequest<"cancelJob">, res: OperationResponse<"cancelJob">) => {
    const project = projectOf(res);
    const result = await store.cancelJob(project.projectId, req.params.jobId, clock());
    switch (result.outcome) {
      case "cancelled":
        res.json({ data: result.job });
        return;
      case "not-cancellable":
        throw new HttpProblem(501, "job-not-cancellable", problemWords.notCancellable(result.job));
      case "not-found":
        throw jobNotFound(req.params.jobId, project.projectKey);
    }
  });

  return router;
}

/**
 * router.param("jobId"): a router reads its path parameters again from the URL, as strings (so
 * "1" would reach PostgreSQL as text); the number is what the validator saw. Its form and range
 * were checked before any router runs (the validator, then server/http/parameters.ts).
 */
function jobIdAsNumber(req: Request, _res: Response, next: NextFunction, value: string): void {
  (req.params as Record<string, unknown>).jobId = Number(value);
  next();
}

/** Every job of the project after `after`, ascending, LIST_ALL_CHUNK at a time (keyset pages). */
async function* allJobs(store: Store, projectId: number, status: JobStatus | undefined, after: number | undefined): AsyncIterable<Job[]> {
  for (;;) {
    const chunk = await store.listJobs(projectId, { status, after, limit: LIST_ALL_CHUNK });
    if (chunk.length > 0) yield chunk;
    if (chunk.length < LIST_ALL_CHUNK) return;
    after = chunk[chunk.length - 1]!.jobId;
  }
}

function jobNotFound(jobId: number, projectKey: string): HttpProblem {
  return new HttpProblem(404, "not-found", problemWords.jobNotFound(jobId, projectKey));
}
