// The databases every store, runner and API test runs on: `describe.each(databases)(...)`.
// Each url() gives a fresh, empty database: SQLite, a new file in this run's temp folder;
// PostgreSQL, a new database (CREATE DATABASE t_<run>_<random>) on the run's shared server
// (see global-setup.ts). Both are removed when the run ends.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterEach, beforeEach, inject } from "vitest";
import { openStore } from "../../server/store/index.js";
import type { Organization, Project, Store } from "../../server/store/types.js";
import type {} from "./global-setup.js"; // the ProvidedContext keys

export interface TestDatabase {
  name: "sqlite" | "postgres";
  /** A URL (DATABASE_URL form) of a fresh, empty database. */
  url(): Promise<string>;
}

const runId = inject("testRunId");
const sqliteDir = inject("sqliteTestDir");
const postgresAdminUrl = inject("postgresAdminUrl");

const unique = () => randomBytes(6).toString("hex");

const sqlite: TestDatabase = {
  name: "sqlite",
  async url() {
    mkdirSync(sqliteDir, { recursive: true });
    return `sqlite:${join(sqliteDir, `${unique()}.db`)}`;
  },
};

const postgres: TestDatabase = {
  name: "postgres",
  async url() {
    const name = `t_${runId}_${unique()}`;
    const client = new pg.Client({ connectionString: postgresAdminUrl });
    await client.connect();
    try {
      // template0: never blocked by someone connected to template1 on a shared server.
      await client.query(`create database ${client.escapeIdentifier(name)} template template0`);
    } finally {
      await client.end();
    }
    const url = new URL(postgresAdminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  },
};

/** SQLite always; PostgreSQL when the run has one (global-setup.ts warns when it does not). */
export const databases: TestDatabase[] = postgresAdminUrl ? [sqlite, postgres] : [sqlite];

/** Creates an organization (with its API key) and a project in it. */
export async function seedTenant(store: Store, orgName: string): Promise<{ apiKey: string; project: Project; organization: Organization }> {
  const { organization, apiKey } = await store.createOrganization(orgName);
  const project = await store.createProject(organization.organizationId, `${orgName} app`);
  return { apiKey, project, organization };
}

/** A store on a fresh database, migrated. */
/**
 * For each test of the describe block: a migrated store with one tenant ("Acme"), handed to `use`
 * before the test and closed after it.
 */
export function eachTenantStore(database: TestDatabase, use: (opened: { store: Store; project: Project }) => void): void {
  let store: Store | undefined;
  beforeEach(async () => {
    store = await openMigratedStore(database);
    use({ store, project: (await seedTenant(store, "Acme")).project });
  });
  afterEach(() => store?.close());
}

export async function openMigratedStore(database: TestDatabase): Promise<Store> {
  const store = await openStore(await database.url());
  await store.migrate();
  return store;
}

/**
 * Runs SQL on the database behind a URL, outside the store: for tests that look at what is
 * really stored. Plain SQL that both dialects accept, without parameters.
 */
export async function queryRaw(url: string, text: string): Promise<Record<string, unknown>[]> {
  if (url.startsWith("sqlite:")) {
    const db = new BetterSqlite3(url.slice("sqlite:".length), { readonly: true });
    try {
      return db.prepare(text).all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Runs statements on the database behind a URL, outside the store: for tests that need a row the
 * store would refuse to write (one an older version wrote, or a corrupt one). No parameters.
 */
export async function execRaw(url: string, statements: string[]): Promise<void> {
  if (url.startsWith("sqlite:")) {
    const db = new BetterSqlite3(url.slice("sqlite:".length));
    try {
      for (const statement of statements) db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
