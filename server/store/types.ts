// The store's public contract: the only code that speaks SQL implements this, once, over
// SQLite (better-sqlite3) and PostgreSQL (pg) through Kysely. Handlers, the runner and the CLI
// use nothing else. Job and JobStatus come from the generated spec types: never copy them.
import type { components } from "../../generated/schema.js";
import type { Readiness } from "./readiness.js";
import type { RateLimitCount } from "./rate-limits.js";

export type { Readiness } from "./readiness.js";
export type { RateLimitCount } from "./rate-limits.js";

export type Job = components["schemas"]["Job"];
export type JobStatus = components["schemas"]["JobStatus"];
export type JobAction = components["schemas"]["JobAction"];

export type Dialect = "sqlite" | "postgres";

export interface Organization {
  organizationId: number;
  name: string;
}

export interface Project {
  projectId: number;
  projectKey: string;
  name: string;
  organizationId: number;
}

export interface ListJobsQuery {
  status?: JobStatus;
  /** Only jobs with jobId > after. */
  after?: number;
  /** At most this many jobs; undefined = all of them. */
  limit?: number;
}

export type CancelOutcome = { outcome: "cancelled"; job: Job } | { outcome: "not-cancellable"; job: Job } | { outcome: "not-found" };

/** A job the runner owns until leaseExpiresAt (renewed by every batch). */
export interface ClaimedJob {
  job: Job;
  /** The userId whose sessions the delete_user_data action removes (= job.referenceId). */
  userId: string;
  workerId: string;
  /** How many times the job has been claimed, this claim included (1 = first run). */
  attempt: number;
}

export interface BatchResult {
  /** Sessions deleted by this batch (0 when none were left). */
  deleted: number;
  /**
   * false when the job is no longer ours to run: it was cancelled, or its lease was taken over.
   * The batch's deletions were rolled back in that case, and the runner must stop.
   */
  stillOwned: boolean;
  /**
   * How long the batch's transaction held its locks, in milliseconds, when the store measured it
   * apart from the call (SQLite's worker thread: the call also waits for the event loop). The
   * runner sizes batches by it, or by the call's own duration when it is absent.
   */
  ms?: number;
}

export interface SessionRow {
  sessionId: string;
  projectId: number;
  userId: string;
  startedAt: number;
  /** Optional details a real session row has (null when not given). */
  userAgent?: string | null;
  durationMs?: number | null;
}

/** Authentication, organizations, projects and their keys (server/store/tenancy.ts). */
export interface TenancyStore {
  /** Hashes the key and finds its organization (hash compared in constant time). */
  findOrganizationByApiKey(apiKey: string): Promise<Organization | undefined>;
  /** The project with this key *in this organization*; another organization's is undefined. */
  findProject(organizationId: number, projectKey: string): Promise<Project | undefined>;

  // --- administration (CLI, demo) -----------------------------------------------------
  findOrganizationByName(name: string): Promise<Organization | undefined>;
  /** Creates an organization and its first API key; the key is returned once, stored hashed. */
  createOrganization(name: string): Promise<{ organization: Organization; apiKey: string }>;
  /** Replaces the organization's key: the old one stops working at once. */
  rotateApiKey(organizationId: number): Promise<string>;
  /** projectKey is generated (20 characters, [A-Za-z0-9]) unless given. */
  createProject(organizationId: number, name: string, projectKey?: string): Promise<Project>;
  findProjectByKey(projectKey: string): Promise<Project | undefined>;
}

/** The jobs as the API sees them (server/store/jobs.ts). */
export interface JobsStore {
  /** Jobs of the project, ascending jobId. */
  listJobs(projectId: number, query: ListJobsQuery): Promise<Job[]>;
  getJob(projectId: number, jobId: number): Promise<Job | undefined>;
  /** One atomic state change: scheduled|running -> cancelled (updatedAt = now). */
  cancelJob(projectId: number, jobId: number, now: number): Promise<CancelOutcome>;
  /**
   * Idempotent: answers the project's scheduled or running delete_user_data job for this user
   * when there is one (created: false), or creates a scheduled one (created: true). Atomic, so
   * concurrent calls for one user create one job.
   */
  scheduleUserDeletion(projectId: number, userId: string, now: number, startAt: number): Promise<{ job: Job; created: boolean }>;
}

/** The runner's claims, leases and batches (server/store/claims.ts). */
export interface ClaimsStore {
  /**
   * Atomically claims one job: a due one (scheduled, startAt <= now) or a running one whose
   * lease expired. Sets running, the owner and the lease. On PostgreSQL uses
   * FOR UPDATE SKIP LOCKED, so concurrent processes never claim the same job.
   */
  claimDueJob(now: number, leaseMs: number, workerId: string): Promise<ClaimedJob | undefined>;
  /**
   * One transaction: renews the lease if the job is still running and owned by workerId, then
   * deletes up to batchSize of the user's sessions in the job's project.
   */
  deleteSessionsBatch(claim: ClaimedJob, batchSize: number, now: number, leaseMs: number): Promise<BatchResult>;
  /** running -> completed|failed, only if still running and owned by workerId (never overwrites cancelled). */
  finishJob(
    claim: ClaimedJob,
    outcome: { status: "completed"; errors: null } | { status: "failed"; errors: string },
    now: number,
  ): Promise<boolean>;
  /** On graceful shutdown: expire our lease at once so another process takes the job up. */
  releaseJob(claim: ClaimedJob): Promise<void>;
}

/** The sessions the jobs delete (server/store/sessions.ts). */
export interface SessionsStore {
  /**
   * All-or-nothing import: every row of the iterable in one transaction (inserted in chunks, so
   * memory stays bounded); if the iterable throws, nothing is kept.
   */
  importSessions(rows: AsyncIterable<SessionRow[]>): Promise<number>;
}

/** A PostgreSQL pool's connections: open, idle, and requests waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** What operating the server needs: readiness, pool use, the shared rate limit (server/store/operations.ts). */
export interface OperationsStore {
  /** Ready when the database answers and has every migration (GET /readyz). Never throws. */
  readiness(): Promise<Readiness>;
  /** The PostgreSQL pool's use (metrics); undefined on SQLite (one connection). */
  poolStats(): PoolStats | undefined;
  /** Counts one call of `key` (atomic across processes): its hits in the window, this one included. */
  rateLimitHit(key: string, now: number, windowMs: number): Promise<RateLimitCount>;
  /** The key's count in its current window, if it has one. */
  rateLimitCount(key: string, now: number): Promise<RateLimitCount | undefined>;
  /** Takes one hit back, within the current window. */
  rateLimitUnhit(key: string, now: number): Promise<void>;
  rateLimitReset(key: string): Promise<void>;
}

/**
 * What handlers, the runner and the CLI are given. Writes that only the demo and tests need
 * (a job inserted as given, a count of sessions) are not here: see server/store/fixtures.ts.
 */
export interface Store extends TenancyStore, JobsStore, ClaimsStore, SessionsStore, OperationsStore {
  readonly dialect: Dialect;
  /** Runs pending migrations (idempotent; safe with several processes starting at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
