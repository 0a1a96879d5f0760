// Runs the migrations (migrations.ts) exclusively: several processes may start at once on one
// database, and exactly one of them applies what is pending.
import { Migrator } from "kysely";
import type { StoreContext } from "./context.js";
import { migrationProvider } from "./migrations.js";

/** The key of the PostgreSQL advisory lock that makes migrate() exclusive across processes. */
const MIGRATION_LOCK_KEY = 0x6a6f6273; // "jobs"

export async function migrate({ db, backend, logger }: StoreContext): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(backend.dialect) });
  const run = async () => {
    const { error, results } = await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === "Success") logger?.info({ migration: result.migrationName }, "migration applied");
      if (result.status === "Error") logger?.error({ migration: result.migrationName }, "migration failed");
    }
    if (error !== undefined) {
      throw new Error(`Database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  };
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
