// deleteUserData: schedules (or answers the pending) deletion job for one end user.
import { Router } from "express";
import type { Store } from "../../store/types.js";
import { projectOf, resolveProject } from "../auth.js";
import { startAtFor, type StartDelay } from "../../config.js";
import type { OperationRequest, OperationResponse } from "./types.js";

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
      res.json({ data: job });
    },
  );

  return router;
}
