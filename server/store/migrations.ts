// The one migration history of both dialects. Migrations are written with Kysely's schema
// builder so one text serves SQLite and PostgreSQL; the only dialect-specific part is how an
// id column is generated. Add a migration = add an entry whose name sorts after the last one.
// Never edit a migration that has shipped: write a new one.
import { sql, type ColumnDefinitionBuilder, type Kysely, type Migration, type MigrationProvider } from "kysely";
import type { Dialect } from "./types.js";
import { EPOCH_MILLIS_MAX } from "./values.js";

/**
 * The statuses in the jobs.status CHECK constraint: the spec's JobStatus enum, spelled out because
 * a shipped migration never changes (test/store/migrations.test.ts proves they agree).
 */
const STATUSES = "'scheduled', 'running', 'cancelled', 'failed', 'completed'";

export function migrationProvider(dialect: Dialect): MigrationProvider {
  // An id column: SQLite's rowid alias (AUTOINCREMENT: ids are never reused, even after the
  // newest row is deleted) or a PostgreSQL identity ("by default", so demo data may set ids).
  const idType = dialect === "sqlite" ? "integer" : "bigint";
  const id = (col: ColumnDefinitionBuilder) =>
    dialect === "sqlite" ? col.primaryKey().autoIncrement() : col.primaryKey().generatedByDefaultAsIdentity();

  const migrations: Record<string, Migration> = {
    "0001_initial": {
      // Kysely<unknown>: a migration sees the schema as it was then, not today's Database type.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("organizations")
          .addColumn("id", idType, id)
          .addColumn("name", "text", (col) => col.notNull().unique())
          .addColumn("api_key_hash", "text", (col) => col.notNull().unique())
          .addColumn("created_at", "bigint", (col) => col.notNull())
          .execute();

        await db.schema
          .createTable("projects")
          .addColumn("project_id", idType, id)
          .addColumn("project_key", "text", (col) => col.notNull().unique())
          .addColumn("name", "text", (col) => col.notNull())
          .addColumn("organization_id", "bigint", (col) => col.notNull().references("organizations.id"))
          .execute();
        await db.schema.createIndex("projects_organization").on("projects").column("organization_id").execute();

        await db.schema
          .createTable("jobs")
          .addColumn("job_id", idType, id)
          .addColumn("project_id", "bigint", (col) => col.notNull().references("projects.project_id"))
          .addColumn("action", "text", (col) => col.notNull())
          .addColumn("status", "text", (col) => col.notNull())
          .addColumn("reference_id", "text", (col) => col.notNull())
          .addColumn("description", "text", (col) => col.notNull())
          .addColumn("created_at", "bigint", (col) => col.notNull())
          .addColumn("updated_at", "bigint", (col) => col.notNull())
          .addColumn("start_at", "bigint", (col) => col.notNull())
          .addColumn("errors", "text")
          .addColumn("lease_owner", "text")
          .addColumn("lease_expires_at", "bigint")
          .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
          .addCheckConstraint("jobs_status_check", sql.raw(`status in (${STATUSES})`))
          .execute();
        // listJobs (all, after, limit) and getJob's tenancy check.
        await db.schema.createIndex("jobs_project_job").on("jobs").columns(["project_id", "job_id"]).execute();
        // listJobs with a status filter.
        await db.schema.createIndex("jobs_project_status_job").on("jobs").columns(["project_id", "status", "job_id"]).execute();
        // The runner: due jobs (status = 'scheduled' and start_at <= now).
        await db.schema.createIndex("jobs_due").on("jobs").columns(["status", "start_at"]).execute();
        // The runner: running jobs whose lease expired.
        await db.schema.createIndex("jobs_lease").on("jobs").columns(["status", "lease_expires_at"]).execute();
        // At most one active (scheduled or running) job per project, action and reference: it
        // makes scheduleUserDeletion idempotent under concurrency on both dialects (INSERT ...
        // ON CONFLICT DO NOTHING), and it is the index of its lookup of the active job. Its
        // predicate is the store's ACTIVE_STATUSES (jobs.ts), which the queries must match.
        await db.schema
          .createIndex("jobs_one_active_per_reference")
          .unique()
          .on("jobs")
          .columns(["project_id", "action", "reference_id"])
          .where(sql.raw<boolean>("status in ('scheduled', 'running')"))
          .execute();

        await db.schema
          .createTable("sessions")
          .addColumn("id", idType, id)
          .addColumn("session_id", "text", (col) => col.notNull())
          .addColumn("project_id", "bigint", (col) => col.notNull().references("projects.project_id"))
          .addColumn("user_id", "text", (col) => col.notNull())
          .addColumn("started_at", "bigint", (col) => col.notNull())
          .addColumn("user_agent", "text")
          .addColumn("duration_ms", "bigint")
          .addUniqueConstraint("sessions_project_session", ["project_id", "session_id"])
          .execute();
        // delete_user_data's batches (and the tests' countSessions).
        await db.schema.createIndex("sessions_project_user").on("sessions").columns(["project_id", "user_id"]).execute();
      },
      async down(db: Kysely<unknown>) {
        for (const table of ["sessions", "jobs", "projects", "organizations"]) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    "0002_sessions_user_id_order": {
      // delete_user_data deletes a user's sessions in ascending id, each batch starting after the
      // last id the previous one deleted (store.deleteSessionsBatch). On PostgreSQL that needs the
      // ids in the index: deleted rows stay in an index until VACUUM, and a batch that scanned the
      // user's entries from the start would step over every row deleted so far (quadratic: 16,000
      // sessions/s for a user with 1,000,000, against 1,600,000/s for one DELETE). SQLite's index
      // already ends with the rowid (= id), and removes deleted entries at once.
      async up(db: Kysely<unknown>) {
        if (dialect !== "postgres") return;
        await db.schema.createIndex("sessions_project_user_id").on("sessions").columns(["project_id", "user_id", "id"]).execute();
        await db.schema.dropIndex("sessions_project_user").execute();
      },
      async down(db: Kysely<unknown>) {
        if (dialect !== "postgres") return;
        await db.schema.createIndex("sessions_project_user").on("sessions").columns(["project_id", "user_id"]).execute();
        await db.schema.dropIndex("sessions_project_user_id").execute();
      },
    },
    "0003_rate_limits": {
      // The per-key rate limit's counts, shared by every process on the database
      // (store/rate-limits.ts): one row per key, its hits and when its window ends.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("rate_limits")
          .addColumn("key", "text", (col) => col.primaryKey())
          .addColumn("hits", "integer", (col) => col.notNull())
          .addColumn("reset_at", "bigint", (col) => col.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("rate_limits").execute();
      },
    },
    "0004_epoch_millis_in_range": {
      // Every time in a job must be within the spec's EpochMillis (0 to 8.64e15, a Date's range).
      // Earlier versions accepted JOBS_START_DELAY=100000000d and stored a start_at past it, after
      // which listJobs answered 500 for the project (response validation refused the row). Such a
      // job could never have run; bring its times back to the bound. The store now refuses such
      // values (values.ts), so this repairs old rows only. Nothing to undo.
      async up(db: Kysely<{ jobs: { start_at: number; created_at: number; updated_at: number } }>) {
        for (const column of ["start_at", "created_at", "updated_at"] as const) {
          await db.updateTable("jobs").set(column, EPOCH_MILLIS_MAX).where(column, ">", EPOCH_MILLIS_MAX).execute();
          await db.updateTable("jobs").set(column, 0).where(column, "<", 0).execute();
        }
      },
      async down() {},
    },
    "0005_key_rotations": {
      // How many API keys were ever rotated, in one row: rotateApiKey adds one in its transaction,
      // and a SQLite store reads it after another connection committed, to know whether a key it
      // keeps in memory was revoked meanwhile (store/key-revocations.ts).
      async up(db: Kysely<{ key_rotations: { id: number; total: number } }>) {
        await db.schema
          .createTable("key_rotations")
          .addColumn("id", "integer", (col) => col.primaryKey())
          .addColumn("total", "bigint", (col) => col.notNull())
          .addCheckConstraint("key_rotations_one_row", sql.raw<boolean>("id = 1"))
          .execute();
        await db.insertInto("key_rotations").values({ id: 1, total: 0 }).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable("key_rotations").execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}
