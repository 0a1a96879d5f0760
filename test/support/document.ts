// The original documentation's examples (OpenReplay's "Jobs" API page), verbatim: its project key
// and its two jobs. The contract's examples and the mock must show exactly these.
import type { Job } from "../../server/store/types.js";

export const DOCUMENT_PROJECT_KEY = "3sWXSsqHgSKnE87YkNJK";

/** The document's scheduled job. */
export const documentJob3451: Job = {
  jobId: 3451,
  description: "Delete user sessions of userId = shekar@example.com",
  status: "scheduled",
  projectId: 1,
  action: "delete_user_data",
  referenceId: "mehdi@openreplay.com",
  createdAt: 1623912955277,
  updatedAt: 1623912955277,
  startAt: 1623954600000,
  errors: null,
};

/** The document's cancelled job. */
export const documentJob3452: Job = {
  ...documentJob3451,
  jobId: 3452,
  status: "cancelled",
  createdAt: 1623912962910,
  updatedAt: 1623913015276,
};

/**
 * The upstream API's calls (the three of the document, and user deletion as upstream's source has
 * it), under the operationIds this contract gives them. Existing clients call exactly these, so each
 * must stay at its method and path; operations added since are not upstream's and are not here.
 */
export const UPSTREAM_CALLS = {
  listJobs: "GET /api/v1/{projectKey}/jobs",
  getJob: "GET /api/v1/{projectKey}/jobs/{jobId}",
  cancelJob: "DELETE /api/v1/{projectKey}/jobs/{jobId}",
  deleteUserData: "DELETE /api/v1/{projectKey}/users/{userId}",
} as const;
