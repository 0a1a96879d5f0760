// deleteUserData: schedules (or answers the pending) deletion job for one end user.
import { Router } from "express";
import type { Store } from "../../store/types.js";
import { projectOf, resolveProject } from "../auth.js";
import { startAtFor, type StartDelay } from "../../config.js";
import type { OperationRequest, OperationResponse } from "./types.js";
import { HttpProblem } from "../problems.js";
import { inState } from "./job-state.js";

export function usersRouter(deps: { store: Store; clock: () => number; startDelay: StartDelay }): Router {
  const { store, clock, startDelay } = deps;
  const router = Router({ caseSensitive: true, strict: true }); // the spec's paths, exactly
  router.param("projectKey", resolveProject(store));

  router.delete(
    "/api/v1/:projectKey/users/:userId",
    async (req: OperationRequest<"deleteUserData">, res: OperationResponse<"deleteUserData">) => {
      const project = projectOf(res);
      const now = clock();
      const { job } = await store.scheduleUserDeletion(project.projectId, req.params.userId, now, startAtFor(startDelay, now));
      res.json({ data: inState(job, "PendingJobState") });
    },
  );

  return router;
}

/**
 * /api/v1/KEY/users and /api/v1/KEY/users/ (any method): no operation matches, yet the upstream
 * API answers an empty userId with 400, whatever the key. And a userId of `.` or `..` (also as
 * %2E): the spec's pattern refuses these dot segments (RFC 3986, section 3.3), which URL libraries
 * remove, so no client could address such a user; said in words here, where the validator would
 * quote the pattern. Mounted before the validator.
 */
export function emptyUserIdRouter(): Router {
  // Case-sensitive, as the validator's paths are: /API/v1/KEY/users/ stays a 404.
  const router = Router({ caseSensitive: true });
  router.all("/api/v1/:projectKey/users", (_req, _res, next) => {
    next(new HttpProblem(400, "bad-request", "path parameter userId must not be empty"));
  });
  router.all("/api/v1/:projectKey/users/:userId", (req, _res, next) => {
    const { userId } = req.params as { userId: string };
    if (userId !== "." && userId !== "..") {
      next();
      return;
    }
    next(new HttpProblem(400, "bad-request", "path parameter userId must not be . or .. (URL libraries remove such path segments)"));
  });
  return router;
}
