// PostgreSQL roles: a migration refused for lack of a privilege names the GRANT (SQLSTATE 42501),
// and the roles docs/operations.md recommends (a migrator that owns the tables, an app role that
// only reads and writes rows) are enough to migrate, serve and run a job. The SQL is read from
// the guide and run as written, with this run's role and database names.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";
import { databases, seedTenant } from "../support/databases.js";
import { addSessions } from "../support/jobs.js";

const postgres = databases.find((d) => d.name === "postgres");
const adminUrl = inject("postgresAdminUrl");
const GUIDE = new URL("../../docs/operations.md", import.meta.url);

/** The guide's block that starts with "-- production roles". */
function productionRolesSql(): string {
  const blocks = [...readFileSync(GUIDE, "utf8").matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.startsWith("-- production roles"));
  if (block === undefined) throw new Error("docs/operations.md has no ```sql block starting with -- production roles");
  return block;
}

async function run(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const withUser = (url: string, user: string, password: string) => {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = password;
  return parsed.toString();
};

describe.skipIf(postgres === undefined)("PostgreSQL roles and privileges", () => {
  const suffix = randomBytes(4).toString("hex");
  const roles: string[] = [];
  const stores: Store[] = [];
  const databasesUsed: string[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    // Roles belong to the whole server: drop what they own and were granted, then the roles.
    for (const url of databasesUsed) await run(url, roles.map((role) => `drop owned by ${role} cascade;`).join("\n")).catch(() => {});
    for (const role of roles) await run(adminUrl, `drop role if exists ${role}`).catch(() => {});
  });
  async function open(url: string): Promise<Store> {
    const store = await openStore(url);
    stores.push(store);
    return store;
  }

  it("a role without CREATE on schema public: the migration error names the GRANT, which then fixes it", async () => {
    const url = await postgres!.url();
    databasesUsed.push(url);
    const role = `t_${suffix}_nocreate`;
    roles.push(role);
    await run(adminUrl, `create role ${role} login password 'pw'`);
    const store = await open(withUser(url, role, "pw"));
    const error = await store.migrate().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "PrivilegeError", code: "42501" });
    const message = (error as Error).message;
    expect(message).toContain("Database migration failed: permission denied for schema public (SQLSTATE 42501).");
    const grant = /GRANT USAGE, CREATE ON SCHEMA "public" TO "[^"]+";/.exec(message)?.[0];
    expect(grant).toBe(`GRANT USAGE, CREATE ON SCHEMA "public" TO "${role}";`);

    await run(url, grant!); // as the database's owner
    await store.migrate();
    expect(await store.readiness()).toEqual({ ready: true });
  });

  it("the guide's roles: the migrator migrates, the app role serves and runs a job, and may not change the schema", async () => {
    const url = await postgres!.url();
    databasesUsed.push(url);
    const database = new URL(url).pathname.slice(1);
    const migrator = `t_${suffix}_migrator`;
    const app = `t_${suffix}_app`;
    roles.push(app, migrator);
    const sql = productionRolesSql()
      .replaceAll("jobs_migrator", migrator)
      .replaceAll("jobs_app", app)
      .replace("DATABASE jobs ", `DATABASE ${database} `);
    await run(url, sql);

    const asMigrator = await open(withUser(url, migrator, "change-me-migrator"));
    await asMigrator.migrate();
    const asApp = await open(withUser(url, app, "change-me-app"));
    await asApp.migrate(); // what serve does at start: nothing left to do
    expect(await asApp.readiness()).toEqual({ ready: true });

    // Everything the server and the CLI do, as the app role.
    const { project, organization } = await seedTenant(asApp, "Acme");
    const rotated = await asApp.rotateApiKey(organization.organizationId); // the counter and the NOTIFY
    expect(await asApp.findOrganizationByApiKey(rotated)).toEqual(organization);
    await addSessions(asApp, project.projectId, "ana@example.com", 7);
    const { job } = await asApp.scheduleUserDeletion(project.projectId, "ana@example.com", 1, 1);
    const claim = await asApp.claimDueJob(2, 60_000, "w");
    expect(claim?.job.jobId).toBe(job.jobId);
    expect((await asApp.deleteSessionsBatch(claim!, 100, 3, 60_000)).deleted).toBe(7);
    expect(await asApp.finishJob(claim!, { status: "completed", errors: null }, 4)).toBe(true);
    expect((await asApp.rateLimitHit("k", 1, 1000)).hits).toBe(1);
    expect((await asApp.cancelJob(project.projectId, job.jobId, 5)).outcome).toBe("not-cancellable");

    // ...and no more: the app role cannot create tables.
    await expect(run(withUser(url, app, "change-me-app"), "create table intruder (id int)")).rejects.toMatchObject({ code: "42501" });
  });
});
