// listJobs, getJob, cancelJob: thin handlers. Validation and coercion happened in the
// validator (openapi.yaml); tenancy in auth.ts; SQL in the store.
import { Router } from "express";
import type { Store } from "../store/types.js";
import { projectOf, resolveProject } from "../auth.js";
import { HttpProblem } from "../problems.js";
import type { OperationRequest, OperationResponse, QueryParams } from "./types.js";

export function jobsRouter(deps: { store: Store; clock: () => number }): Router {
  const { store, clock } = deps;
  const router = Router();
  router.param("projectKey", resolveProject(store));

  router.get("/api/v1/:projectKey/jobs", async (req: OperationRequest<"listJobs">, res: OperationResponse<"listJobs">) => {
    const project = projectOf(res);
    const { status, limit, after } = req.query;
    if (limit === undefined) {
      res.json({ data: await store.listJobs(project.projectId, { status, after }) });
      return;
    }
    // One row more than asked tells whether a next page exists, without a COUNT.
    const rows = await store.listJobs(project.projectId, { status, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    if (rows.length > limit && last !== undefined) {
      res.setHeader("Link", `<${nextPagePath(req.params.projectKey, { status, limit, after: last.jobId })}>; rel="next"`);
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
        throw new HttpProblem(
          501,
          "job-not-cancellable",
          `Job ${result.job.jobId} is ${result.job.status} and can no longer be cancelled.`,
        );
      case "not-found":
        throw jobNotFound(req.params.jobId, project.projectKey);
    }
  });

  return router;
}

function jobNotFound(jobId: number, projectKey: string): HttpProblem {
  return new HttpProblem(404, "not-found", `Job ${jobId} was not found in project ${projectKey}.`);
}

/** The next page's path and query, relative to the server (RFC 8288 allows a URI reference). */
function nextPagePath(projectKey: string, query: Required<Pick<QueryParams<"listJobs">, "limit" | "after">> & QueryParams<"listJobs">): string {
  const search = new URLSearchParams();
  if (query.status !== undefined) search.set("status", query.status);
  search.set("limit", String(query.limit));
  search.set("after", String(query.after));
  return `/api/v1/${encodeURIComponent(projectKey)}/jobs?${search}`;
}
