// Whether the database can serve this code: it answers, and it has every migration this code
// knows (a database that also has newer ones, from a newer release rolling out, is ready too).
// GET /readyz (server/ops/health.ts) asks this.
import { sql, type Kysely } from "kysely";
import { migrationProvider } from "./migrations.js";
import type { Database } from "./schema.js";
import type { Dialect } from "./types.js";

export type Readiness = { ready: true } | { ready: false; reason: string };

/** Kysely's migration table (its default name). */
const MIGRATION_TABLE = "kysely_migration";

export async function readiness(db: Kysely<Database>, dialect: Dialect): Promise<Readiness> {
  try {
    await sql`select 1`.execute(db);
  } catch {
    return { ready: false, reason: "The database is not reachable." };
  }
  let applied: Set<string>;
  try {
    const rows = await db.withTables<{ [MIGRATION_TABLE]: { name: string } }>().selectFrom(MIGRATION_TABLE).select("name").execute();
    applied = new Set(rows.map((row: { name: string }) => row.name));
  } catch {
    applied = new Set(); // no migration table: never migrated
  }
  const missing = Object.keys(await migrationProvider(dialect).getMigrations())
    .sort()
    .filter((name) => !applied.has(name));
  if (missing.length === 0) return { ready: true };
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : "";
  return { ready: false, reason: `The database lacks migration ${missing[0]}${more}: start jobs-api serve once (it migrates).` };
}
