// Runs the migrations (migrations.ts) exclusively: several processes may start at once on one
// database, and exactly one of them applies what is pending.
import { inspect } from "node:util";
import { Kysely, Migrator, PostgresDialect } from "kysely";
import type { StoreContext } from "./context.js";
import { migrationProvider } from "./migrations.js";
import { explainPrivilegeError } from "./privileges.js";

/** The key of the PostgreSQL advisory lock that makes migrate() exclusive across processes. */
const MIGRATION_LOCK_KEY = 0x6a6f6273; // "jobs"

export async function migrate(context: StoreContext): Promise<void> {
  try {
    await migrateExclusively(context);
  } catch (error) {
    // PostgreSQL 15+: "permission denied for schema public" says nothing of the fix; name the GRANT.
    const { backend } = context;
    const connectionString = backend.dialect === "postgres" ? backend.connections.url : undefined;
    throw explainPrivilegeError(error, "Database migration failed", connectionString) ?? error;
  }
}

async function migrateExclusively({ db, backend, logger }: StoreContext): Promise<void> {
  const run = async (on: Kysely<unknown>) => {
    const { error, results } = await new Migrator({ db: on, provider: migrationProvider(backend.dialect) }).migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === "Success") logger?.info({ migration: result.migrationName }, "migration applied");
      if (result.status === "Error") logger?.error({ migration: result.migrationName }, "migration failed");
    }
    if (error !== undefined) {
      throw new Error(`Database migration failed: ${error instanceof Error ? error.message : inspect(error)}`, {
        cause: error,
      });
    }
  };
  if (backend.dialect === "postgres") {
    // On connections of their own, without the request paths' statement timeout (postgres.ts):
    // a migration that builds an index on a large table takes as long as it takes.
    const pool = backend.connections.pool("migrations", 2);
    const migrationDb = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      // Kysely's migrator locks only around applying migrations, after creating its own tables;
      // a session-level advisory lock around the whole run makes processes that start at once
      // wait for each other, and the later ones find nothing left to do.
      const client = await pool.connect();
      try {
        await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
        try {
          await run(migrationDb);
        } finally {
          await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    } finally {
      await migrationDb.destroy(); // ends the pool, when Kysely used it
      if (!pool.ending) await pool.end();
    }
  } else {
    // Kysely runs SQLite migrations without a transaction (it assumes one process); SQLite DDL
    // is transactional, so BEGIN IMMEDIATE (the write lock, waited for up to busy_timeout) makes
    // the whole run atomic and exclusive between processes sharing the file. It is issued on the
    // raw connection under Kysely's, which is fine at start-up: nothing else runs yet.
    backend.raw.exec("BEGIN IMMEDIATE");
    try {
      await run(db as unknown as Kysely<unknown>);
      backend.raw.exec("COMMIT");
    } catch (error) {
      if (backend.raw.inTransaction) backend.raw.exec("ROLLBACK");
      throw error;
    }
  }
}
