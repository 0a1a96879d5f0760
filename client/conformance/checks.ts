// The conformance checks: the behaviour the contract promises, one named, documented check each.
// Order matters: the writing checks run before the list checks, so that with --allow-writes
// the project has jobs to list and page through. docs/conformance.md lists these checks (its
// table is compared with checksMarkdownTable() by test/conformance/docs.test.ts).
import {
  CheckFailure,
  CheckSkip,
  expectAscending,
  expectEqual,
  expectJob,
  expectJobList,
  expectProblem,
  expectSameAnswer,
  describe,
  jobPath,
  jobsPath,
  nextLink,
  userPath,
  type CheckContext,
  type JobLike,
  type Tenant,
} from "./context.js";
import { FINAL_JOB_STATUSES } from "../contract/index.js";

/** What a check needs beyond the base URL, the API key and the project key. */
export type CheckNeed = "writes" | "other-tenant";

export interface CheckDefinition {
  /** Stable id, `<group>.<name>`: use it with --only and --skip, and in CI reports. */
  id: string;
  /** What the check asserts, in one line. */
  title: string;
  /** `writes`: runs only with --allow-writes; `other-tenant`: only with --other-api-key and --other-project-key. */
  needs: CheckNeed[];
  /**
   * True when passing needs an implementation that keeps state (knows its keys, projects and
   * jobs): a mock that answers every request from examples (Prism) fails these.
   */
  stateful: boolean;
  run(ctx: CheckContext): Promise<void>;
}

const FINAL = new Set<string>(FINAL_JOB_STATUSES);
/** The fields of a job that never change after it is created. */
const STABLE_FIELDS = ["jobId", "projectId", "action", "referenceId", "description", "createdAt", "startAt"] as const;

function stable(job: JobLike): Record<string, unknown> {
  return Object.fromEntries(STABLE_FIELDS.map((field) => [field, job[field]]));
}

/** The values that differ between the other tenant's answer and a missing one's, and their placeholder. */
function tenancyPlaceholders(ctx: CheckContext, other: Tenant, job: JobLike): Record<string, string> {
  return {
    [String(job.jobId)]: "{jobId}",
    [String(ctx.missingJobId)]: "{jobId}",
    [other.projectKey]: "{projectKey}",
    [ctx.missingProjectKey]: "{projectKey}",
  };
}

/** getJob answers the job with the same fixed fields. */
async function expectFetchedAlike(ctx: CheckContext, job: JobLike): Promise<void> {
  const fetched = expectJob(await ctx.request("GET", jobPath(ctx.own.projectKey, job.jobId)));
  expectEqual(`getJob ${job.jobId}`, stable(fetched), stable(job));
}

// ---- shared steps (memoized: run once, by whichever check needs them first) ------------------

/** The deletion job this run schedules for the user `<prefix>deletion`. */
function scheduledJob(ctx: CheckContext): Promise<{ userId: string; job: JobLike }> {
  return ctx.memo("scheduledJob", async () => {
    const userId = ctx.userId("deletion");
    const job = expectJob(await ctx.request("DELETE", userPath(ctx.own.projectKey, userId)));
    ctx.track(ctx.own, job.jobId);
    return { userId, job };
  });
}

/** That job, cancelled: the answer of the (first) cancel. */
function cancelledJob(ctx: CheckContext): Promise<{ userId: string; job: JobLike; cancelled: JobLike }> {
  return ctx.memo("cancelledJob", async () => {
    const { userId, job } = await scheduledJob(ctx);
    const cancelled = expectJob(await ctx.request("DELETE", jobPath(ctx.own.projectKey, job.jobId)));
    return { userId, job, cancelled };
  });
}

/** Every job of the own project, as the whole list (no limit) gives them. */
function ownJobs(ctx: CheckContext): Promise<JobLike[]> {
  return ctx.memo("ownJobs", async () => expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey))));
}

function needJobs(jobs: JobLike[], count: number): void {
  if (jobs.length < count) {
    throw new CheckSkip(
      `needs at least ${count} job${count > 1 ? "s" : ""} in the project (it has ${jobs.length}; --allow-writes creates some)`,
    );
  }
}

function otherTenant(ctx: CheckContext): Tenant {
  if (ctx.other === undefined) throw new Error("the runner skips other-tenant checks without the other tenant");
  return ctx.other;
}

/** The other tenant's project works with its own key (else the tenancy checks prove nothing). */
function otherJobs(ctx: CheckContext): Promise<JobLike[]> {
  return ctx.memo("otherJobs", async () => {
    const other = otherTenant(ctx);
    const answer = await ctx.request("GET", jobsPath(other.projectKey), { authorization: other.apiKey });
    if (answer.status !== 200) {
      throw new CheckFailure("the other tenant's key to list the other project's jobs (200)", describe(answer));
    }
    return expectJobList(answer);
  });
}

/** A job of the other tenant's project: its newest, or (with writes) one scheduled for this run. */
function otherJob(ctx: CheckContext): Promise<JobLike> {
  return ctx.memo("otherJob", async () => {
    const other = otherTenant(ctx);
    const existing = (await otherJobs(ctx)).at(-1);
    if (existing !== undefined) return existing;
    if (!ctx.allowWrites) throw new CheckSkip("needs a job in the other tenant's project (or --allow-writes to create one)");
    const job = expectJob(
      await ctx.request("DELETE", userPath(other.projectKey, ctx.userId("other-tenant")), { authorization: other.apiKey }),
    );
    ctx.track(other, job.jobId);
    return job;
  });
}

// ---- the checks ------------------------------------------------------------------------------

export const CHECKS: readonly CheckDefinition[] = [
  {
    id: "auth.missing-key",
    title: "A request without Authorization answers 401 problem, also for an unknown project",
    needs: [],
    stateful: false,
    async run(ctx) {
      for (const target of [jobsPath(ctx.own.projectKey), jobPath(ctx.own.projectKey, 1), jobsPath(ctx.missingProjectKey)]) {
        expectProblem(await ctx.request("GET", target, { authorization: null }), 401);
      }
    },
  },
  {
    id: "auth.wrong-raw-key",
    title: "An unknown key sent raw (`Authorization: <key>`) answers 401 problem",
    needs: [],
    stateful: true,
    async run(ctx) {
      for (const target of [jobsPath(ctx.own.projectKey), jobPath(ctx.own.projectKey, 1)]) {
        expectProblem(await ctx.request("GET", target, { authorization: ctx.wrongApiKey }), 401);
      }
    },
  },
  {
    id: "auth.wrong-bearer-key",
    title: "An unknown key sent as `Authorization: Bearer <key>` answers 401 problem",
    needs: [],
    stateful: true,
    async run(ctx) {
      for (const target of [jobsPath(ctx.own.projectKey), jobPath(ctx.own.projectKey, 1)]) {
        expectProblem(await ctx.request("GET", target, { authorization: `Bearer ${ctx.wrongApiKey}` }), 401);
      }
    },
  },
  {
    id: "auth.raw-key-accepted",
    title: "The key sent raw, as the original documentation shows, is accepted: listJobs answers 200",
    needs: [],
    stateful: false,
    async run(ctx) {
      expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey), { authorization: ctx.own.apiKey }));
    },
  },
  {
    id: "auth.bearer-key-accepted",
    title: "The key sent as `Authorization: Bearer <key>` is accepted too: listJobs answers 200",
    needs: [],
    stateful: false,
    async run(ctx) {
      expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey), { authorization: `Bearer ${ctx.own.apiKey}` }));
    },
  },
  {
    id: "notFound.unknown-project",
    title: "listJobs and getJob of a project that does not exist answer 404 problem",
    needs: [],
    stateful: true,
    async run(ctx) {
      expectProblem(await ctx.request("GET", jobsPath(ctx.missingProjectKey)), 404);
      expectProblem(await ctx.request("GET", jobPath(ctx.missingProjectKey, 1)), 404);
    },
  },
  {
    id: "notFound.unknown-job",
    title: "getJob of a job that does not exist answers 404 problem",
    needs: [],
    stateful: true,
    async run(ctx) {
      expectProblem(await ctx.request("GET", jobPath(ctx.own.projectKey, ctx.missingJobId)), 404);
    },
  },
  {
    id: "notFound.cancel-unknown-job",
    title: "cancelJob of a job that does not exist answers 404 problem",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      expectProblem(await ctx.request("DELETE", jobPath(ctx.own.projectKey, ctx.missingJobId)), 404);
    },
  },
  {
    id: "notFound.delete-user-unknown-project",
    title: "deleteUserData in a project that does not exist answers 404 problem",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      expectProblem(await ctx.request("DELETE", userPath(ctx.missingProjectKey, ctx.userId("unknown-project"))), 404);
    },
  },
  {
    id: "badInput.job-id-not-integer",
    title: "getJob with a jobId that is not a positive integer (`abc`, `1.5`, `0`) answers 400 problem",
    needs: [],
    stateful: false,
    async run(ctx) {
      for (const jobId of ["abc", "1.5", "0"]) expectProblem(await ctx.request("GET", jobPath(ctx.own.projectKey, jobId)), 400);
    },
  },
  {
    id: "badInput.limit-out-of-range",
    title: "listJobs with `limit` out of 1..1000 (`0`, `1001`) answers 400 problem",
    needs: [],
    stateful: false,
    async run(ctx) {
      for (const limit of ["0", "1001"]) expectProblem(await ctx.request("GET", jobsPath(ctx.own.projectKey, `limit=${limit}`)), 400);
    },
  },
  {
    id: "badInput.unknown-status",
    title: "listJobs with a `status` that is no job status answers 400 problem",
    needs: [],
    stateful: false,
    async run(ctx) {
      expectProblem(await ctx.request("GET", jobsPath(ctx.own.projectKey, "status=unknown")), 400);
    },
  },
  {
    id: "badInput.user-id-too-long",
    title: "deleteUserData with a userId over 256 characters answers 400 problem and schedules nothing",
    needs: ["writes"],
    stateful: false,
    async run(ctx) {
      const userId = ctx.userId("x".repeat(257));
      const answer = await ctx.request("DELETE", userPath(ctx.own.projectKey, userId));
      if (answer.status === 200) {
        const jobId = (answer.body as { data?: { jobId?: unknown } } | undefined)?.data?.jobId;
        if (typeof jobId === "number") ctx.track(ctx.own, jobId);
      }
      expectProblem(answer, 400);
    },
  },
  {
    id: "deleteUserData.schedules-job",
    title: "deleteUserData answers a new `scheduled` delete_user_data job for the user, which getJob then answers",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { userId, job } = await scheduledJob(ctx);
      expectEqual("status", job.status, "scheduled");
      expectEqual("action", job.action, "delete_user_data");
      expectEqual("referenceId", job.referenceId, userId);
      expectEqual("errors", job.errors, null);
      const [createdAt, updatedAt, startAt] = [job.createdAt, job.updatedAt, job.startAt] as number[];
      if (!(updatedAt! >= createdAt!)) throw new CheckFailure("updatedAt >= createdAt", `createdAt ${createdAt}, updatedAt ${updatedAt}`);
      if (!(startAt! >= createdAt!)) throw new CheckFailure("startAt >= createdAt", `createdAt ${createdAt}, startAt ${startAt}`);
      await expectFetchedAlike(ctx, job);
    },
  },
  {
    id: "deleteUserData.idempotent",
    title: "deleteUserData again for the same user, while the job is pending, answers the same job and creates none",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { userId, job } = await scheduledJob(ctx);
      const again = expectJob(await ctx.request("DELETE", userPath(ctx.own.projectKey, userId)));
      ctx.track(ctx.own, again.jobId);
      expectEqual("referenceId", again.referenceId, userId);
      expectEqual("the repeated deleteUserData's job", again, job);
      const listed = expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey)));
      const pending = listed.filter((j) => j.referenceId === userId && (j.status === "scheduled" || j.status === "running"));
      expectEqual(
        `the jobIds of the pending jobs of ${userId}`,
        pending.map((j) => j.jobId),
        [job.jobId],
      );
    },
  },
  {
    id: "cancelJob.cancels",
    title: "cancelJob of a scheduled job answers it `cancelled`, updatedAt not earlier, its other fields unchanged",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { job, cancelled } = await cancelledJob(ctx);
      expectEqual("status", cancelled.status, "cancelled");
      expectEqual("the cancelled job's unchanged fields", stable(cancelled), stable(job));
      if (!((cancelled.updatedAt as number) >= (job.updatedAt as number))) {
        throw new CheckFailure(`updatedAt >= ${job.updatedAt as number}`, `updatedAt ${String(cancelled.updatedAt)}`);
      }
    },
  },
  {
    id: "cancelJob.second-cancel-501",
    title: "A second cancelJob of the cancelled job answers 501 problem and leaves the job unchanged",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { cancelled } = await cancelledJob(ctx);
      expectProblem(await ctx.request("DELETE", jobPath(ctx.own.projectKey, cancelled.jobId)), 501);
      const after = expectJob(await ctx.request("GET", jobPath(ctx.own.projectKey, cancelled.jobId)));
      expectEqual(`job ${cancelled.jobId} after the second cancel`, after, cancelled);
    },
  },
  {
    id: "getJob.shows-cancellation",
    title: "getJob of the cancelled job answers it exactly as the cancel did",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { cancelled } = await cancelledJob(ctx);
      const fetched = expectJob(await ctx.request("GET", jobPath(ctx.own.projectKey, cancelled.jobId)));
      expectEqual(`getJob ${cancelled.jobId}`, fetched, cancelled);
    },
  },
  {
    id: "deleteUserData.new-job-after-cancel",
    title: "deleteUserData for the user after the cancel schedules a new job (a new jobId)",
    needs: ["writes"],
    stateful: true,
    async run(ctx) {
      const { userId, cancelled } = await cancelledJob(ctx);
      const fresh = expectJob(await ctx.request("DELETE", userPath(ctx.own.projectKey, userId)));
      ctx.track(ctx.own, fresh.jobId);
      if (fresh.jobId === cancelled.jobId) throw new CheckFailure(`a jobId other than ${cancelled.jobId}`, `jobId ${fresh.jobId}`);
      expectEqual("status", fresh.status, "scheduled");
      expectEqual("referenceId", fresh.referenceId, userId);
    },
  },
  {
    id: "listJobs.order",
    title: "listJobs without `limit` answers every job of the project, oldest first (ascending jobId), each once",
    needs: [],
    stateful: false,
    async run(ctx) {
      const jobs = await ownJobs(ctx);
      expectAscending("the jobs", jobs);
      ctx.note(`${jobs.length} jobs listed`);
    },
  },
  {
    id: "listJobs.status-filter",
    title: "listJobs with `status` answers only jobs in that status, in order, including every finished one listed",
    needs: [],
    stateful: true,
    async run(ctx) {
      const jobs = await ownJobs(ctx);
      needJobs(jobs, 1);
      for (const status of ctx.statuses) {
        const filtered = expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey, `status=${status}`)));
        const stray = filtered.find((job) => job.status !== status);
        if (stray) throw new CheckFailure(`only ${status} jobs for status=${status}`, `job ${stray.jobId} is ${stray.status}`);
        expectAscending(`the ${status} jobs`, filtered);
        // A finished job keeps its status, so it must be in the filtered list (others may have moved on).
        const ids = new Set(filtered.map((job) => job.jobId));
        const missing = jobs.find((job) => job.status === status && FINAL.has(status) && !ids.has(job.jobId));
        if (missing)
          throw new CheckFailure(`job ${missing.jobId} (${status}) in the list for status=${status}`, `jobIds ${[...ids].join(", ")}`);
      }
    },
  },
  {
    id: "listJobs.pagination",
    title: '`limit` pages, followed by their `Link: <...>; rel="next"`, cover the whole list once, in order; no `Link` on the last page',
    needs: [],
    stateful: true,
    async run(ctx) {
      const jobs = await ownJobs(ctx);
      needJobs(jobs, 2);
      const whole = await ctx.request("GET", jobsPath(ctx.own.projectKey));
      if (nextLink(whole) !== undefined) throw new CheckFailure("no Link rel=next without limit", describeLink(whole));
      const limit = Math.min(1000, Math.ceil(jobs.length / 3));
      const known = jobs.at(-1)!.jobId;
      const seen: JobLike[] = [];
      let page = await ctx.request("GET", jobsPath(ctx.own.projectKey, `limit=${limit}`));
      // Jobs created while paging may add pages; the guard only stops a Link that never ends.
      for (let pages = 1; ; pages++) {
        const items = expectJobList(page);
        if (items.length > limit) throw new CheckFailure(`at most ${limit} jobs per page`, `${items.length} jobs in ${page.target}`);
        seen.push(...items);
        const next = nextLink(page);
        if (next === undefined) break;
        if (pages > 2 * Math.ceil(jobs.length / limit) + 10)
          throw new CheckFailure("a last page without Link", `still a Link after ${pages} pages`);
        page = await ctx.follow(next);
      }
      expectAscending("the jobs of all pages", seen);
      // Jobs created since the whole list was read are set aside: the pages must hold the rest exactly.
      const paged = seen.filter((job) => job.jobId <= known).map((job) => job.jobId);
      expectEqual(
        "the jobIds of all pages (up to the last one of the whole list)",
        paged,
        jobs.map((job) => job.jobId),
      );
      // A page that holds everything that is left announces no next one.
      if (jobs.length < 1000) {
        const all = await ctx.request("GET", jobsPath(ctx.own.projectKey, "limit=1000"));
        if (expectJobList(all).length < 1000 && nextLink(all) !== undefined) {
          throw new CheckFailure("no Link rel=next when nothing follows", describeLink(all));
        }
      }
      ctx.note(`${seen.length} jobs on pages of ${limit}`);
    },
  },
  {
    id: "listJobs.after",
    title: "listJobs with `after` answers exactly the jobs with a greater jobId, in order",
    needs: [],
    stateful: true,
    async run(ctx) {
      const jobs = await ownJobs(ctx);
      needJobs(jobs, 2);
      const known = jobs.at(-1)!.jobId;
      for (const index of [0, jobs.length - 1]) {
        const after = jobs[index]!.jobId;
        const listed = expectJobList(await ctx.request("GET", jobsPath(ctx.own.projectKey, `after=${after}`)));
        expectAscending(`the jobs after ${after}`, listed);
        const ids = listed.filter((job) => job.jobId <= known).map((job) => job.jobId);
        expectEqual(
          `the jobIds after ${after}`,
          ids,
          jobs.slice(index + 1).map((job) => job.jobId),
        );
      }
    },
  },
  {
    id: "getJob.listed-jobs",
    title: "getJob answers the first and the last listed job as listed (same jobId and fixed fields)",
    needs: [],
    stateful: true,
    async run(ctx) {
      const jobs = await ownJobs(ctx);
      needJobs(jobs, 1);
      for (const job of new Set([jobs[0]!, jobs.at(-1)!])) {
        await expectFetchedAlike(ctx, job);
      }
    },
  },
  {
    id: "tenancy.other-project",
    title: "The other tenant's project answers listJobs and getJob exactly like a project that does not exist, both ways",
    needs: ["other-tenant"],
    stateful: true,
    async run(ctx) {
      const other = otherTenant(ctx);
      await otherJobs(ctx);
      const replace = { [other.projectKey]: "{projectKey}", [ctx.own.projectKey]: "{projectKey}", [ctx.missingProjectKey]: "{projectKey}" };
      const pairs: Array<[string, string, string]> = [
        [ctx.own.apiKey, jobsPath(other.projectKey), jobsPath(ctx.missingProjectKey)],
        [ctx.own.apiKey, jobPath(other.projectKey, 1), jobPath(ctx.missingProjectKey, 1)],
        [other.apiKey, jobsPath(ctx.own.projectKey), jobsPath(ctx.missingProjectKey)],
      ];
      for (const [authorization, target, missing] of pairs) {
        const reference = await ctx.request("GET", missing, { authorization });
        expectProblem(reference, 404);
        expectSameAnswer(
          `GET ${target} with the ${authorization === ctx.own.apiKey ? "own" : "other"} key`,
          await ctx.request("GET", target, { authorization }),
          reference,
          replace,
        );
      }
    },
  },
  {
    id: "tenancy.other-job",
    title: "A job of the other tenant answers getJob exactly like a job that does not exist, through either project",
    needs: ["other-tenant"],
    stateful: true,
    async run(ctx) {
      const other = otherTenant(ctx);
      const job = await otherJob(ctx);
      const replace = tenancyPlaceholders(ctx, other, job);
      const pairs: Array<[string, string]> = [
        [jobPath(ctx.own.projectKey, job.jobId), jobPath(ctx.own.projectKey, ctx.missingJobId)],
        [jobPath(other.projectKey, job.jobId), jobPath(ctx.missingProjectKey, job.jobId)],
      ];
      for (const [target, missing] of pairs) {
        const reference = await ctx.request("GET", missing);
        expectProblem(reference, 404);
        expectSameAnswer(`GET ${target}`, await ctx.request("GET", target), reference, replace);
      }
    },
  },
  {
    id: "tenancy.other-tenant-writes",
    title: "cancelJob and deleteUserData on the other tenant answer like missing ones and change nothing there",
    needs: ["writes", "other-tenant"],
    stateful: true,
    async run(ctx) {
      const other = otherTenant(ctx);
      const job = await otherJob(ctx);
      const before = expectJob(await ctx.request("GET", jobPath(other.projectKey, job.jobId), { authorization: other.apiKey }));
      const userId = ctx.userId("cross-tenant");
      const replace = tenancyPlaceholders(ctx, other, job);
      const pairs: Array<[string, string]> = [
        [jobPath(ctx.own.projectKey, job.jobId), jobPath(ctx.own.projectKey, ctx.missingJobId)],
        [jobPath(other.projectKey, job.jobId), jobPath(ctx.missingProjectKey, job.jobId)],
        [userPath(other.projectKey, userId), userPath(ctx.missingProjectKey, userId)],
      ];
      let failure: CheckFailure | undefined;
      for (const [target, missing] of pairs) {
        const reference = await ctx.request("DELETE", missing);
        try {
          expectProblem(reference, 404);
          expectSameAnswer(`DELETE ${target}`, await ctx.request("DELETE", target), reference, replace);
        } catch (error) {
          if (!(error instanceof CheckFailure)) throw error;
          failure ??= error; // go on: the other tenant must be checked (and cleaned up) below
        }
      }
      const after = expectJob(await ctx.request("GET", jobPath(other.projectKey, job.jobId), { authorization: other.apiKey }));
      const intruder = expectJobList(await ctx.request("GET", jobsPath(other.projectKey), { authorization: other.apiKey })).find(
        (j) => j.referenceId === userId,
      );
      if (intruder) ctx.track(other, intruder.jobId);
      if (failure) throw failure;
      if (intruder) throw new CheckFailure(`no job for ${userId} in the other tenant's project`, `job ${intruder.jobId}`);
      expectEqual(`the other tenant's job ${job.jobId}`, after, before);
    },
  },
];

function describeLink(exchange: { target: string; headers: Headers }): string {
  return `${exchange.target} -> Link: ${exchange.headers.get("link")}`;
}
