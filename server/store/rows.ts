// Rows as selected (types derived from the schema) and their mapping to the API's camelCase
// types. By hand rather than Kysely's CamelCasePlugin: cheaper on the hot path.
import type { Selectable } from "kysely";
import type { JobsTable, OrganizationsTable, ProjectsTable } from "./schema.js";
import type { Job, Organization, Project } from "./types.js";

/** The columns of a Job, in the order the API shows them. */
export const JOB_COLUMNS = [
  "job_id",
  "description",
  "status",
  "project_id",
  "action",
  "reference_id",
  "created_at",
  "updated_at",
  "start_at",
  "errors",
] as const;

export type JobRow = Pick<Selectable<JobsTable>, (typeof JOB_COLUMNS)[number]>;
export type ProjectRow = Selectable<ProjectsTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;

/** The columns of a Project (all of them). */
export const PROJECT_COLUMNS = ["project_id", "project_key", "name", "organization_id"] as const satisfies ReadonlyArray<keyof ProjectRow>;

export function toJob(row: JobRow): Job {
  return {
    jobId: row.job_id,
    description: row.description,
    status: row.status,
    projectId: row.project_id,
    action: row.action as Job["action"],
    referenceId: row.reference_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startAt: row.start_at,
    errors: row.errors,
  };
}

export function toProject(row: ProjectRow): Project {
  return { projectId: row.project_id, projectKey: row.project_key, name: row.name, organizationId: row.organization_id };
}

export function toOrganization(row: Pick<OrganizationRow, "id" | "name">): Organization {
  return { organizationId: row.id, name: row.name };
}
