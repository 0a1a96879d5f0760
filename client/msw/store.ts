// The stateful handlers' in-memory data: organizations (API keys) with their projects, and jobs,
// behaving as the reference server's store does (ascending jobIds, one pending deletion per user,
// atomic cancel). No I/O: a test owns one per createStatefulHandlers() call.
import {
  isCancellable,
  jobScriptOf,
  PENDING_JOB_STATUSES,
  scriptedStartAt,
  scriptedState,
  type Job,
  type JobScript,
  type JobStatus,
} from "../contract/index.js";

export interface TenantOptions {
  /** The organization's API key, sent raw (`Authorization: <key>`) or as `Bearer <key>`. */
  apiKey: string;
  /** The projects this key reaches; another organization's project answers 404. */
  projectKeys: string[];
}

export interface Project {
  projectId: number;
  projectKey: string;
  organization: number;
}

export type CancelOutcome = { outcome: "cancelled"; job: Job } | { outcome: "not-cancellable"; job: Job } | { outcome: "not-found" };

/** The project every key reaches when no tenants are given. */
export const DEFAULT_PROJECT_KEY = "demo-project";

/** A Job as the store changes it (the generated Job's fields are readonly: the API's readOnly). */
type StoredJob = { -readonly [K in keyof Job]: Job[K] };

export class MemoryJobsStore {
  private readonly keys: Map<string, number> | undefined;
  private readonly projects = new Map<string, Project>();
  private jobs: StoredJob[] = [];
  private nextJobId = 1;
  /** Test mode: the scripted userIds' jobs still pending, and their script (client/contract/test-mode.ts). */
  private readonly scripted = new Map<StoredJob, JobScript>();

  constructor(
    tenants: readonly TenantOptions[] | undefined,
    private readonly now: () => number,
    private readonly startDelayMs: number,
  ) {
    const list = tenants ?? [{ apiKey: "", projectKeys: [DEFAULT_PROJECT_KEY] }];
    // Without tenants, any key is the one organization's (like the Prism mock).
    this.keys = tenants === undefined ? undefined : new Map();
    list.forEach((tenant, organization) => {
      if (this.keys) {
        if (this.keys.has(tenant.apiKey)) throw new Error("Two tenants have the same apiKey");
        this.keys.set(tenant.apiKey, organization);
      }
      for (const projectKey of tenant.projectKeys) {
        if (this.projects.has(projectKey)) throw new Error(`Project ${projectKey} is listed by two tenants`);
        this.projects.set(projectKey, { projectId: this.projects.size + 1, projectKey, organization });
      }
    });
  }

  /** The key's organization, or undefined for an unknown key. */
  organizationOf(apiKey: string): number | undefined {
    return this.keys === undefined ? 0 : this.keys.get(apiKey);
  }

  /** The project with this key *in this organization*; another organization's is undefined. */
  findProject(organization: number, projectKey: string): Project | undefined {
    const project = this.projects.get(projectKey);
    return project?.organization === organization ? project : undefined;
  }

  listJobs(projectId: number, query: { status?: JobStatus; after?: number; limit?: number }): Job[] {
    this.liveScripts();
    const matching = this.jobs.filter(
      (job) =>
        job.projectId === projectId &&
        (query.status === undefined || job.status === query.status) &&
        (query.after === undefined || job.jobId > query.after),
    );
    return (query.limit === undefined ? matching : matching.slice(0, query.limit)).map(copy);
  }

  getJob(projectId: number, jobId: number): Job | undefined {
    this.liveScripts();
    const job = this.jobs.find((j) => j.jobId === jobId && j.projectId === projectId);
    return job && copy(job);
  }

  cancelJob(projectId: number, jobId: number): CancelOutcome {
    this.liveScripts();
    const job = this.jobs.find((j) => j.jobId === jobId && j.projectId === projectId);
    if (!job) return { outcome: "not-found" };
    if (!isCancellable(job.status)) return { outcome: "not-cancellable", job: copy(job) };
    job.status = "cancelled";
    job.updatedAt = this.now();
    return { outcome: "cancelled", job: copy(job) };
  }

  /** The user's pending (scheduled or running) deletion job in the project, or a new scheduled one. */
  scheduleUserDeletion(projectId: number, userId: string): Job {
    this.liveScripts();
    const pending = this.jobs.find(
      (j) =>
        j.projectId === projectId && j.action === "delete_user_data" && j.referenceId === userId && PENDING_JOB_STATUSES.includes(j.status),
    );
    if (pending) return copy(pending);
    const now = this.now();
    const script = jobScriptOf(userId);
    const startAt = now + this.startDelayMs;
    const job: StoredJob = {
      jobId: this.nextJobId++,
      description: `Delete user sessions of userId = ${userId}`,
      status: "scheduled",
      projectId,
      action: "delete_user_data",
      referenceId: userId,
      createdAt: now,
      updatedAt: now,
      startAt: script ? scriptedStartAt(script, now, startAt) : startAt,
      errors: null,
    };
    this.jobs.push(job);
    if (script) this.scripted.set(job, script);
    return copy(job); // as created: a job scripted to have ended is seen ended from the next request on
  }

  /** Test mode: moves the scripted jobs to where their script has them now, as the sandbox's runner would. */
  private liveScripts(): void {
    const now = this.now();
    for (const [job, script] of this.scripted) {
      if (!PENDING_JOB_STATUSES.includes(job.status)) {
        this.scripted.delete(job); // ended, or cancelled: the script is over
        continue;
      }
      const state = scriptedState(script, job.startAt, now);
      if (state.status === "scheduled" || state.status === job.status) continue;
      job.status = state.status;
      job.updatedAt = state.since;
      job.errors = state.errors;
    }
  }

  // --- test controls --------------------------------------------------------------------

  /** Every job (of one project when projectKey is given), ascending jobId. */
  allJobs(projectKey?: string): Job[] {
    this.liveScripts();
    if (projectKey === undefined) return this.jobs.map(copy);
    const project = this.projects.get(projectKey);
    if (!project) throw new Error(`No project ${projectKey}; the projects are ${[...this.projects.keys()].join(", ")}`);
    return this.listJobs(project.projectId, {});
  }

  /** Moves a job as the runner would: scheduled → running → completed | failed (errors set only when failed). */
  advance(jobId: number, to: "running" | "completed" | "failed", errors?: string): Job {
    this.liveScripts();
    const job = this.jobs.find((j) => j.jobId === jobId);
    if (!job) throw new Error(`No job ${jobId}`);
    const allowed = job.status === "scheduled" || (job.status === "running" && to !== "running");
    if (!allowed) throw new Error(`Job ${jobId} is ${job.status} and cannot become ${to}`);
    if (errors !== undefined && to !== "failed") throw new Error("Only a failed job has errors");
    job.status = to;
    job.updatedAt = this.now();
    job.errors = to === "failed" ? (errors ?? "The deletion failed.") : null;
    return copy(job);
  }

  reset(): void {
    this.jobs = [];
    this.scripted.clear();
    this.nextJobId = 1;
  }
}

function copy(job: Job): Job {
  return { ...job };
}
