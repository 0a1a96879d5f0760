// Benchmark data, made fast: a tenant through the store (so keys are hashed the store's way),
// then rows in bulk with one INSERT ... SELECT over a generated series (a recursive CTE on
// SQLite, generate_series on PostgreSQL), never through the API.
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { openStore } from "../../server/store/index.js";

export const BENCH_PROJECT_KEY = "benchProject00000001";
export const VICTIM = "victim@example.com";
const BASE_TIME = 1_623_912_955_277;
const FAR_FUTURE = 4_102_444_800_000; // 2100-01-01: scheduled bench jobs never become due

export interface Tenant {
  apiKey: string;
  projectId: number;
  projectKey: string;
}

export interface SeedOptions {
  jobs: number;
  /** Sessions spread over `sessionUsers` users (user-<n>@example.com). */
  sessions?: number;
  sessionUsers?: number;
  /** Sessions of the one user VICTIM (the runner's deletion). */
  victimSessions?: number;
  /** Makes the victim's session ids unique to this batch of them. */
  victimTag?: string;
}

export interface Seeded extends Tenant {
  url: string;
  /** A job in the middle of the project's jobs (for GET), and the id a middle page starts after. */
  middleJobId: number;
}

/** Creates the schema, a tenant, and the rows asked for, in an empty database. */
export async function seed(url: string, options: SeedOptions): Promise<Seeded> {
  const store = await openStore(url);
  let tenant: Tenant;
  try {
    await store.migrate();
    const { organization, apiKey } = await store.createOrganization("bench");
    const project = await store.createProject(organization.organizationId, "bench app", BENCH_PROJECT_KEY);
    // Another organization with its own project, so the tenancy filters have something to filter.
    const other = await store.createOrganization("other");
    await store.createProject(other.organization.organizationId, "other app");
    tenant = { apiKey, projectId: project.projectId, projectKey: project.projectKey };
  } finally {
    await store.close();
  }
  await bulk(url, bulkSql(tenant.projectId, options));
  const offset = Math.floor(options.jobs / 2);
  const [middle] = await query(
    url,
    `select job_id as id from jobs where project_id = ${tenant.projectId} order by job_id limit 1 offset ${offset}`,
  );
  return { ...tenant, url, middleJobId: Number(middle?.id ?? 0) };
}

/** Runs [row count, INSERT ... SELECT ... FROM n] statements, then refreshes the planner's statistics. */
async function bulk(url: string, statements: Array<[number, string]>): Promise<void> {
  if (url.startsWith("sqlite:")) {
    const db = openRaw(url);
    try {
      for (const [series, statement] of statements) db.exec(sqliteSeries(series) + " " + statement);
      db.exec("ANALYZE");
      db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const [series, statement] of statements) {
        await client.query(statement.replace("FROM n", `FROM generate_series(1, ${series}) AS n(x)`));
      }
      await client.query("VACUUM ANALYZE");
    } finally {
      await client.end();
    }
  }
}

/** One SQL statement's rows (bench bookkeeping only). */
export async function query(url: string, text: string): Promise<Array<Record<string, unknown>>> {
  if (url.startsWith("sqlite:")) {
    const db = openRaw(url);
    try {
      const statement = db.prepare(text);
      return statement.reader ? (statement.all() as Array<Record<string, unknown>>) : (statement.run(), []);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

function openRaw(url: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(url.slice("sqlite:".length));
  db.pragma("busy_timeout = 30000");
  return db;
}

/** Adds `count` sessions of VICTIM (ids tagged, so several rounds never collide). */
export async function addVictimSessions(url: string, projectId: number, count: number, tag: string): Promise<void> {
  await bulk(url, bulkSql(projectId, { jobs: 0, victimSessions: count, victimTag: tag }));
}

function sqliteSeries(count: number): string {
  return `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${count})`;
}

/** [row count, INSERT ... SELECT ... FROM n] pairs; `n(x)` is the series 1..count. */
function bulkSql(projectId: number, options: SeedOptions): Array<[number, string]> {
  const statements: Array<[number, string]> = [];
  if (options.jobs > 0) {
    statements.push([
      options.jobs,
      `INSERT INTO jobs (project_id, action, status, reference_id, description, created_at, updated_at, start_at, errors, attempts)
       SELECT ${projectId}, 'delete_user_data',
              CASE x % 10 WHEN 0 THEN 'scheduled' WHEN 1 THEN 'cancelled' WHEN 2 THEN 'failed' ELSE 'completed' END,
              'user-' || x || '@example.com', 'Delete user sessions of userId = user-' || x || '@example.com',
              ${BASE_TIME} + x, ${BASE_TIME} + x + 1000,
              CASE x % 10 WHEN 0 THEN ${FAR_FUTURE} ELSE ${BASE_TIME} + x + 500 END,
              CASE x % 10 WHEN 2 THEN 'Deleting the sessions failed: the database did not answer in time.' ELSE NULL END,
              CASE x % 10 WHEN 0 THEN 0 ELSE 1 END
       FROM n`,
    ]);
  }
  const sessionColumns = "INSERT INTO sessions (session_id, project_id, user_id, started_at, user_agent, duration_ms)";
  const agent = "'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'";
  if ((options.sessions ?? 0) > 0) {
    const users = options.sessionUsers ?? 1000;
    statements.push([
      options.sessions!,
      `${sessionColumns}
       SELECT 'session-' || x, ${projectId}, 'user-' || (x % ${users}) || '@example.com', ${BASE_TIME} + x * 1000, ${agent}, x % 3600000
       FROM n`,
    ]);
  }
  if ((options.victimSessions ?? 0) > 0) {
    statements.push([
      options.victimSessions!,
      `${sessionColumns}
       SELECT 'victim-${options.victimTag ?? ""}-' || x, ${projectId}, '${VICTIM}', ${BASE_TIME} + x * 1000, ${agent}, x % 3600000
       FROM n`,
    ]);
  }
  return statements;
}
