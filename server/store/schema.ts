// The database schema as Kysely sees it (snake_case, as in SQL). Rows are mapped to the API's
// camelCase types by hand in rows.ts: cheaper on the hot path than Kysely's CamelCasePlugin.
import type { Generated } from "kysely";
import type { JobStatus } from "./types.js";

export interface OrganizationsTable {
  id: Generated<number>;
  name: string;
  /** SHA-256 (hex) of the API key; the key itself is never stored. */
  api_key_hash: string;
  created_at: number;
}

export interface ProjectsTable {
  project_id: Generated<number>;
  project_key: string;
  name: string;
  organization_id: number;
}

export interface JobsTable {
  job_id: Generated<number>;
  project_id: number;
  action: string;
  status: JobStatus;
  reference_id: string;
  description: string;
  created_at: number;
  updated_at: number;
  start_at: number;
  errors: string | null;
  /** The runner that owns the job while it is running (workerId). */
  lease_owner: string | null;
  /** Epoch ms; a running job whose lease has expired may be claimed by another runner. */
  lease_expires_at: number | null;
  /** How many times the job has been claimed. */
  attempts: Generated<number>;
}

export interface SessionsTable {
  id: Generated<number>;
  session_id: string;
  project_id: number;
  user_id: string;
  started_at: number;
  user_agent: string | null;
  duration_ms: number | null;
}

export interface Database {
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  jobs: JobsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  key_rotations: KeyRotationsTable;
}

/** One row: how many API keys were ever rotated (store/key-revocations.ts). */
export interface KeyRotationsTable {
  id: number;
  total: number;
}

/** The per-key rate limit's counts (store/rate-limits.ts), shared by every process. */
export interface RateLimitsTable {
  key: string;
  hits: number;
  /** Epoch ms when the key's current window ends. */
  reset_at: number;
}
