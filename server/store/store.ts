// The Store over Kysely: one implementation for SQLite and PostgreSQL. Dialect differences are
// few and marked where they are: the row-locking clause of the claim, how migrations are made
// exclusive, the identity sequence after an explicit job id, and the import's connection.
import { Kysely, Migrator, SqliteDialect, sql, type Selectable, type Transaction } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import type BetterSqlite3 from "better-sqlite3";
import type { Database, JobsTable } from "./schema.js";
import { migrationProvider } from "./migrations.js";
import { generateApiKey, generateProjectKey, hashApiKey, sameHash } from "./keys.js";
import { StoreError, constraintViolation } from "./errors.js";
import { requireEpochMillis } from "./values.js";
import { openSqlite } from "./sqlite.js";
import { precompile, type PrecompiledQuery } from "../perf/precompiled-query.js";
import type {
  BatchResult,
  CancelOutcome,
  ClaimedJob,
  Dialect,
  Job,
  ListJobsQuery,
  Organization,
  Project,
  SessionRow,
  Store,
} from "./types.js";

/** What a store runs on, besides its Kysely instance. */
export type Backend =
  | { dialect: "sqlite"; raw: BetterSqlite3.Database; path: string }
  | { dialect: "postgres"; pool: pg.Pool };

/** The columns of a Job, in the order the API shows them. */
const JOB_COLUMNS = [
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
type JobRow = Pick<Selectable<JobsTable>, (typeof JOB_COLUMNS)[number]>;
type ProjectRow = { project_id: number; project_key: string; name: string; organization_id: number };
type ListParams = { project: number; status?: Job["status"]; after?: number; limit?: number };

function toJob(row: JobRow): Job {
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

/**
 * The predicate of the jobs_one_active_per_reference partial index, as a literal: both
 * databases use a partial index (and PostgreSQL infers it as an ON CONFLICT target) only when
 * the query's condition matches the index's, which bound parameters would not.
 */
const ACTIVE = sql<boolean>`status in ('scheduled', 'running')`;

const ACTION_DELETE_USER_DATA = "delete_user_data";

/**
 * Rows per multi-row INSERT of sessions: 6 parameters a row = 6,000 parameters, well under
 * SQLite's 32,766 variables and PostgreSQL's 65,535 parameters a statement. Larger statements
 * gain little, and a fixed size lets SQLite reuse one prepared statement.
 */
const SESSION_ROWS_PER_INSERT = 1000;

/** The key of the PostgreSQL advisory lock that makes migrate() exclusive across processes. */
const MIGRATION_LOCK_KEY = 0x6a6f6273; // "jobs"

export class KyselyStore implements Store {
  readonly dialect: Dialect;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly backend: Backend,
    private readonly logger?: Logger,
  ) {
    this.dialect = backend.dialect;
    // The API's hot reads (two or three per request), built and compiled to SQL once: building
    // and compiling a Kysely query costs more than running it (server/perf/precompiled-query.ts).
    this.organizationByKeyHash = precompile<{ hash: string }, { id: number; name: string; api_key_hash: string }>(db, ["hash"], (p) =>
      db.selectFrom("organizations").select(["id", "name", "api_key_hash"]).where("api_key_hash", "=", p.hash),
    );
    this.projectInOrganization = precompile<{ key: string; organization: number }, ProjectRow>(db, ["key", "organization"], (p) =>
      db
        .selectFrom("projects")
        .select(["project_id", "project_key", "name", "organization_id"])
        .where("project_key", "=", p.key)
        .where("organization_id", "=", p.organization),
    );
    this.jobInProject = precompile<{ job: number; project: number }, JobRow>(db, ["job", "project"], (p) =>
      db.selectFrom("jobs").select(JOB_COLUMNS).where("job_id", "=", p.job).where("project_id", "=", p.project),
    );
  }

  private readonly organizationByKeyHash: PrecompiledQuery<{ hash: string }, { id: number; name: string; api_key_hash: string }>;
  private readonly projectInOrganization: PrecompiledQuery<{ key: string; organization: number }, ProjectRow>;
  private readonly jobInProject: PrecompiledQuery<{ job: number; project: number }, JobRow>;
  /** listJobs, one precompiled query per combination of the optional filters (eight at most). */
  private readonly jobLists = new Map<string, PrecompiledQuery<ListParams, JobRow>>();

  // --- lifecycle -----------------------------------------------------------------------------

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const run = async () => {
      const { error, results } = await migrator.migrateToLatest();
      for (const result of results ?? []) {
        if (result.status === "Success") this.logger?.info({ migration: result.migrationName }, "migration applied");
        if (result.status === "Error") this.logger?.error({ migration: result.migrationName }, "migration failed");
      }
      if (error !== undefined) {
        throw new Error(`Database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
    };
    const { backend } = this;
    if (backend.dialect === "postgres") {
      // Kysely's migrator locks only around applying migrations, after creating its own tables;
      // a session-level advisory lock around the whole run makes processes that start at once
      // wait for each other, and the later ones find nothing left to do.
      const client = await backend.pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
        try {
          await run();
        } finally {
          await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    } else {
      // Kysely runs SQLite migrations without a transaction (it assumes one process); SQLite DDL
      // is transactional, so BEGIN IMMEDIATE (the write lock, waited for up to busy_timeout) makes
      // the whole run atomic and exclusive between processes sharing the file. It is issued on the
      // raw connection under Kysely's, which is fine at start-up: nothing else runs yet.
      backend.raw.exec("BEGIN IMMEDIATE");
      try {
        await run();
        backend.raw.exec("COMMIT");
      } catch (error) {
        if (backend.raw.inTransaction) backend.raw.exec("ROLLBACK");
        throw error;
      }
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // --- authentication and tenancy ----------------------------------------------------------

  async findOrganizationByApiKey(apiKey: string): Promise<Organization | undefined> {
    const hash = hashApiKey(apiKey);
    const [row] = (await this.organizationByKeyHash({ hash })).rows;
    // The index lookup finds the row; the constant-time comparison is the authentication.
    if (row === undefined || !sameHash(row.api_key_hash, hash)) return undefined;
    return { organizationId: row.id, name: row.name };
  }

  async findProject(organizationId: number, projectKey: string): Promise<Project | undefined> {
    const [row] = (await this.projectInOrganization({ key: projectKey, organization: organizationId })).rows;
    return row && toProject(row);
  }

  // --- jobs (API) --------------------------------------------------------------------------

  async listJobs(projectId: number, query: ListJobsQuery): Promise<Job[]> {
    const shape = `${query.status !== undefined}/${query.after !== undefined}/${query.limit !== undefined}`;
    let list = this.jobLists.get(shape);
    if (list === undefined) {
      const names = ["project", ...(query.status !== undefined ? ["status"] : []), ...(query.after !== undefined ? ["after"] : []), ...(query.limit !== undefined ? ["limit"] : [])] as Array<keyof ListParams>;
      list = precompile<ListParams, JobRow>(this.db, names, (p) => {
        let select = this.db.selectFrom("jobs").select(JOB_COLUMNS).where("project_id", "=", p.project);
        if (query.status !== undefined) select = select.where("status", "=", p.status!);
        if (query.after !== undefined) select = select.where("job_id", ">", p.after!);
        select = select.orderBy("job_id");
        if (query.limit !== undefined) select = select.limit(p.limit!);
        return select;
      });
      this.jobLists.set(shape, list);
    }
    const { rows } = await list({ project: projectId, status: query.status, after: query.after, limit: query.limit });
    return rows.map(toJob);
  }

  async getJob(projectId: number, jobId: number): Promise<Job | undefined> {
    const [row] = (await this.jobInProject({ job: jobId, project: projectId })).rows;
    return row && toJob(row);
  }

  async cancelJob(projectId: number, jobId: number, now: number): Promise<CancelOutcome> {
    // One atomic statement decides; the SELECT after it only explains a refusal.
    const cancelled = await this.db
      .updateTable("jobs")
      .set({ status: "cancelled", updated_at: now })
      .where("job_id", "=", jobId)
      .where("project_id", "=", projectId)
      .where("status", "in", ["scheduled", "running"])
      .returning(JOB_COLUMNS)
      .executeTakeFirst();
    if (cancelled !== undefined) return { outcome: "cancelled", job: toJob(cancelled) };
    const job = await this.getJob(projectId, jobId);
    return job === undefined ? { outcome: "not-found" } : { outcome: "not-cancellable", job };
  }

  async scheduleUserDeletion(
    projectId: number,
    userId: string,
    now: number,
    startAt: number,
  ): Promise<{ job: Job; created: boolean }> {
    requireEpochMillis({ createdAt: now, startAt });
    // The partial unique index allows one active job per (project, action, reference): the
    // INSERT either creates it or does nothing because another call (maybe in another process)
    // did. The loop covers the rare race where the job we collided with finished in between.
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.db
        .selectFrom("jobs")
        .select(JOB_COLUMNS)
        .where("project_id", "=", projectId)
        .where("action", "=", ACTION_DELETE_USER_DATA)
        .where("reference_id", "=", userId)
        .where(ACTIVE)
        .executeTakeFirst();
      if (existing !== undefined) return { job: toJob(existing), created: false };
      const inserted = await this.db
        .insertInto("jobs")
        .values({
          project_id: projectId,
          action: ACTION_DELETE_USER_DATA,
          status: "scheduled",
          reference_id: userId,
          description: `Delete user sessions of userId = ${userId}`,
          created_at: now,
          updated_at: now,
          start_at: startAt,
          errors: null,
          lease_owner: null,
          lease_expires_at: null,
        })
        .onConflict((conflict) => conflict.columns(["project_id", "action", "reference_id"]).where(ACTIVE).doNothing())
        .returning(JOB_COLUMNS)
        .executeTakeFirst();
      if (inserted !== undefined) return { job: toJob(inserted), created: true };
    }
    throw new Error(`Could not schedule the deletion of user ${JSON.stringify(userId)}: too much contention.`);
  }

  // --- the runner --------------------------------------------------------------------------

  async claimDueJob(now: number, leaseMs: number, workerId: string): Promise<ClaimedJob | undefined> {
    // No ORDER BY: the OR of two conditions is answered from two indexes (jobs_due, jobs_lease),
    // which an ordering would defeat on a table of many finished jobs; any due job will do.
    const due = this.db
      .selectFrom("jobs")
      .select("job_id")
      .where((eb) =>
        eb.or([
          eb.and([eb("status", "=", "scheduled"), eb("start_at", "<=", now)]),
          eb.and([eb("status", "=", "running"), eb("lease_expires_at", "<=", now)]),
        ]),
      )
      .limit(1);
    // PostgreSQL: lock the picked row, skipping rows another transaction is claiming, so
    // concurrent claimers never pick the same job and never wait for each other. SQLite has no
    // row locks and needs none: it runs one writing statement at a time.
    const pick = this.dialect === "postgres" ? due.forUpdate().skipLocked() : due;
    const row = await this.db
      .updateTable("jobs")
      .set((eb) => ({
        status: "running",
        // updatedAt tells when the status last changed: a takeover (running -> running) keeps it.
        updated_at: eb.case().when("status", "=", "scheduled").then(now).else(eb.ref("updated_at")).end(),
        lease_owner: workerId,
        lease_expires_at: now + leaseMs,
        attempts: eb("attempts", "+", 1),
      }))
      .where("job_id", "=", pick)
      .returning([...JOB_COLUMNS, "attempts"])
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const job = toJob(row);
    return { job, userId: job.referenceId, workerId, attempt: row.attempts };
  }

  /**
   * How far each claim's deletion has got: the largest session id it deleted. A batch deletes the
   * next batchSize sessions after it, in ascending id, so it never steps over rows deleted
   * before (PostgreSQL keeps them in its indexes until VACUUM; see migration 0002). Per claim
   * object and in memory only: a new claim (another process, a restart) starts again from 0.
   */
  private readonly deletedUpTo = new WeakMap<ClaimedJob, number>();

  async deleteSessionsBatch(claim: ClaimedJob, batchSize: number, now: number, leaseMs: number): Promise<BatchResult> {
    const deleteAfter = async (trx: Transaction<Database>, after: number) => {
      // The last id of the next batch (one row back, not the whole batch), then one range delete.
      const last = await trx
        .selectFrom((eb) =>
          eb
            .selectFrom("sessions")
            .select("id")
            .where("project_id", "=", claim.job.projectId)
            .where("user_id", "=", claim.userId)
            .where("id", ">", after)
            .orderBy("id")
            .limit(batchSize)
            .as("batch"),
        )
        .select((eb) => eb.fn.max("id").as("last"))
        .executeTakeFirst();
      const upTo = last?.last == null ? undefined : Number(last.last);
      if (upTo === undefined) return { deleted: 0, upTo: after };
      const result = await trx
        .deleteFrom("sessions")
        .where("project_id", "=", claim.job.projectId)
        .where("user_id", "=", claim.userId)
        .where("id", ">", after)
        .where("id", "<=", upTo)
        .executeTakeFirst();
      return { deleted: Number(result.numDeletedRows), upTo };
    };
    const outcome = await this.db.transaction().execute(async (trx) => {
      // First the guard: renewing the lease succeeds only while the job is running and ours.
      // On PostgreSQL it also locks the job row until commit, so a cancel waits for the batch
      // and the next batch sees it.
      const renewed = await trx
        .updateTable("jobs")
        .set({ lease_expires_at: now + leaseMs })
        .where("job_id", "=", claim.job.jobId)
        .where("status", "=", "running")
        .where("lease_owner", "=", claim.workerId)
        .executeTakeFirst();
      if (Number(renewed.numUpdatedRows) === 0) return undefined;
      const after = this.deletedUpTo.get(claim) ?? 0;
      const batch = await deleteAfter(trx, after);
      // Nothing after the cursor: one sweep from the start makes sure nothing older is left
      // (ids only grow, so normally there is none).
      return batch.deleted === 0 && after > 0 ? deleteAfter(trx, 0) : batch;
    });
    if (outcome === undefined) return { deleted: 0, stillOwned: false };
    this.deletedUpTo.set(claim, outcome.upTo);
    return { deleted: outcome.deleted, stillOwned: true };
  }

  async finishJob(
    claim: ClaimedJob,
    outcome: { status: "completed"; errors: null } | { status: "failed"; errors: string },
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("jobs")
      .set({ status: outcome.status, errors: outcome.errors, updated_at: now, lease_expires_at: null })
      .where("job_id", "=", claim.job.jobId)
      .where("status", "=", "running")
      .where("lease_owner", "=", claim.workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseJob(claim: ClaimedJob): Promise<void> {
    // Expired "since the epoch": claimable at any time from now on. Status stays running.
    await this.db
      .updateTable("jobs")
      .set({ lease_expires_at: 0 })
      .where("job_id", "=", claim.job.jobId)
      .where("status", "=", "running")
      .where("lease_owner", "=", claim.workerId)
      .execute();
  }

  async nextDueAt(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("jobs")
      .select((eb) => eb.fn.min("start_at").as("next"))
      .where("status", "=", "scheduled")
      .executeTakeFirst();
    return row?.next ?? undefined;
  }

  // --- administration ----------------------------------------------------------------------

  async findOrganizationByName(name: string): Promise<Organization | undefined> {
    const row = await this.db.selectFrom("organizations").select(["id", "name"]).where("name", "=", name).executeTakeFirst();
    return row && { organizationId: row.id, name: row.name };
  }

  async createOrganization(name: string): Promise<{ organization: Organization; apiKey: string }> {
    const apiKey = generateApiKey();
    const row = await this.db
      .insertInto("organizations")
      .values({ name, api_key_hash: hashApiKey(apiKey), created_at: Date.now() })
      .returning(["id", "name"])
      .executeTakeFirstOrThrow()
      .catch(rethrowAs({ duplicate: `An organization named ${JSON.stringify(name)} already exists.` }));
    return { organization: { organizationId: row.id, name: row.name }, apiKey };
  }

  async rotateApiKey(organizationId: number): Promise<string> {
    const apiKey = generateApiKey();
    const result = await this.db
      .updateTable("organizations")
      .set({ api_key_hash: hashApiKey(apiKey) })
      .where("id", "=", organizationId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new StoreError("unknown-reference", `There is no organization with id ${organizationId}.`);
    }
    return apiKey;
  }

  async createProject(organizationId: number, name: string, projectKey?: string): Promise<Project> {
    const row = await this.db
      .insertInto("projects")
      .values({ project_key: projectKey ?? generateProjectKey(), name, organization_id: organizationId })
      .returning(["project_id", "project_key", "name", "organization_id"])
      .executeTakeFirstOrThrow()
      .catch(
        rethrowAs({
          duplicate: `The project key ${JSON.stringify(projectKey)} is taken.`,
          "unknown-reference": `There is no organization with id ${organizationId}.`,
        }),
      );
    return toProject(row);
  }

  async findProjectByKey(projectKey: string): Promise<Project | undefined> {
    const row = await this.db
      .selectFrom("projects")
      .select(["project_id", "project_key", "name", "organization_id"])
      .where("project_key", "=", projectKey)
      .executeTakeFirst();
    return row && toProject(row);
  }

  async importSessions(rows: AsyncIterable<SessionRow[]>): Promise<number> {
    const importAll = (trx: Transaction<Database>) => insertSessions(trx, rows);
    const fail = rethrowAs({
      duplicate: "Nothing was imported: a session id is already in its project, or appears twice in the input.",
      "unknown-reference": "Nothing was imported: a session names a project that does not exist.",
      invalid: "Nothing was imported: a session lacks a required value.",
    });
    const { backend } = this;
    if (backend.dialect === "sqlite" && backend.path !== ":memory:") {
      // SQLite: the import's transaction runs on a connection of its own. Kysely's SQLite driver
      // has one connection and holds it for a whole transaction, so a store call made while the
      // iterable produces rows (looking a project up, say) would wait for the import forever.
      // Another connection is what another process would be: reads go on, writes wait their
      // turn (busy_timeout). An in-memory database cannot be opened twice: there the iterable
      // must not call the store.
      const own = new Kysely<Database>({ dialect: new SqliteDialect({ database: openSqlite(backend.path).database }) });
      try {
        return await own.transaction().execute(importAll).catch(fail);
      } finally {
        await own.destroy();
      }
    }
    return this.db.transaction().execute(importAll).catch(fail);
  }

  async countSessions(projectId: number, userId?: string): Promise<number> {
    let select = this.db
      .selectFrom("sessions")
      .select((eb) => eb.fn.countAll<number>().as("count"))
      .where("project_id", "=", projectId);
    if (userId !== undefined) select = select.where("user_id", "=", userId);
    const row = await select.executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async insertJob(job: Omit<Job, "jobId"> & { jobId?: number }): Promise<Job> {
    requireEpochMillis({ createdAt: job.createdAt, updatedAt: job.updatedAt, startAt: job.startAt });
    const row = await this.db
      .insertInto("jobs")
      .values({
        ...(job.jobId !== undefined ? { job_id: job.jobId } : {}),
        project_id: job.projectId,
        action: job.action,
        status: job.status,
        reference_id: job.referenceId,
        description: job.description,
        created_at: job.createdAt,
        updated_at: job.updatedAt,
        start_at: job.startAt,
        errors: job.errors,
        lease_owner: null,
        // A running job inserted as data has no live owner: its lease is free from the start.
        lease_expires_at: job.status === "running" ? 0 : null,
      })
      .returning(JOB_COLUMNS)
      .executeTakeFirstOrThrow()
      .catch(
        rethrowAs({
          duplicate: `Job ${job.jobId ?? ""} not inserted: its id is taken, or the project already has an active ${job.action} job for ${JSON.stringify(job.referenceId)}.`,
          "unknown-reference": `Job not inserted: there is no project with id ${job.projectId}.`,
          invalid: `Job not inserted: invalid values.`,
        }),
      );
    if (job.jobId !== undefined && this.dialect === "postgres") {
      // An explicit id does not advance the identity sequence: move it past the largest id, or
      // the next generated id could collide.
      await sql`select setval(pg_get_serial_sequence('jobs', 'job_id'), (select max(job_id) from jobs))`.execute(
        this.db,
      );
    }
    return toJob(row);
  }
}

function toProject(row: { project_id: number; project_key: string; name: string; organization_id: number }): Project {
  return { projectId: row.project_id, projectKey: row.project_key, name: row.name, organizationId: row.organization_id };
}

/** Consumes the iterable chunk by chunk, in multi-row INSERTs of a bounded size. */
async function insertSessions(trx: Transaction<Database>, chunks: AsyncIterable<SessionRow[]>): Promise<number> {
  let count = 0;
  for await (const chunk of chunks) {
    for (let start = 0; start < chunk.length; start += SESSION_ROWS_PER_INSERT) {
      const values = chunk.slice(start, start + SESSION_ROWS_PER_INSERT).map((row) => ({
        session_id: row.sessionId,
        project_id: row.projectId,
        user_id: row.userId,
        started_at: row.startedAt,
        user_agent: row.userAgent ?? null,
        duration_ms: row.durationMs ?? null,
      }));
      await trx.insertInto("sessions").values(values).execute();
      count += values.length;
    }
  }
  return count;
}

/** A .catch() handler: constraint violations become StoreErrors with these messages. */
function rethrowAs(messages: Partial<Record<StoreError["code"], string>>) {
  return (error: unknown): never => {
    const violation = constraintViolation(error);
    const message = violation && messages[violation.code];
    if (violation === undefined || message === undefined) throw error;
    throw new StoreError(violation.code, violation.detail ? `${message} (${violation.detail})` : message, {
      cause: error,
    });
  };
}
