import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/index.js";
import { migrationProvider } from "../../server/store/migrations.js";
import type { Store } from "../../server/store/types.js";
import { databases, queryRaw, seedTenant } from "../support/databases.js";
import { insertJob } from "../../server/store/fixtures.js";
import { jobData } from "../support/jobs.js";

const childScript = fileURLToPath(new URL("../support/migrate-child.ts", import.meta.url));

/** Starts n processes that each open the store, then migrate together when all are ready. */
async function migrateInProcessesAtOnce(url: string, n: number): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < n; i++) {
      children.push(spawn(process.execPath, ["--import", "tsx", childScript, url], { stdio: ["pipe", "pipe", "pipe"] }));
    }
    const stderr = children.map((child) => {
      const chunks: string[] = [];
      child.stderr!.on("data", (chunk) => chunks.push(String(chunk)));
      return chunks;
    });
    const exited = children.map((child) => once(child, "exit") as Promise<[number | null]>);
    await Promise.all(children.map((child) => once(child.stdout!, "data"))); // each said "ready"
    for (const child of children) child.stdin!.write("go\n");
    const codes = (await Promise.all(exited)).map(([code]) => code);
    expect(codes, stderr.map((chunks) => chunks.join("")).join("\n")).toEqual(children.map(() => 0));
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

describe.each(databases)("migrations on $name", (database) => {
  /** Every migration of the history, in the order they apply. */
  const migrationNames = async () => Object.keys(await migrationProvider(database.name).getMigrations()).sort();
  const stores: Store[] = [];
  const open = async (url: string) => {
    const store = await openStore(url);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it("migrating an empty database creates the tables, and migrating again changes nothing", async () => {
    const url = await database.url();
    const store = await open(url);
    await store.migrate();
    const { project } = await seedTenant(store, "Acme");
    await store.migrate();
    expect(await store.findProjectByKey(project.projectKey)).toEqual(project);
    const applied = await queryRaw(url, "select name from kysely_migration order by name");
    expect(applied.map((row) => row.name)).toEqual(await migrationNames());
  });

  it("a second process opening a migrated database finds nothing to do and sees the data", async () => {
    const url = await database.url();
    const first = await open(url);
    await first.migrate();
    const { organization } = await seedTenant(first, "Acme");
    const second = await open(url);
    await second.migrate();
    expect(await second.findOrganizationByName("Acme")).toEqual(organization);
  });

  it("three processes starting at once on one empty database all migrate without error", async () => {
    const url = await database.url();
    await migrateInProcessesAtOnce(url, 3);
    const applied = await queryRaw(url, "select name from kysely_migration");
    expect(applied).toHaveLength((await migrationNames()).length);
    const store = await open(url);
    await store.migrate();
    await seedTenant(store, "Acme");
  });

  it("the schema rejects a job status outside the five statuses", async () => {
    const store = await open(await database.url());
    await store.migrate();
    const { project } = await seedTenant(store, "Acme");
    await expect(insertJob(store, jobData(project.projectId, "paused" as "scheduled", "u"))).rejects.toMatchObject({
      name: "StoreError",
      code: "invalid",
    });
  });
});

describe("openStore", () => {
  it("refuses a DATABASE_URL of another kind, without echoing it", async () => {
    await expect(openStore("mysql://root:secret@localhost/db")).rejects.toThrow(/Unsupported DATABASE_URL scheme mysql:/);
    await expect(openStore("mysql://root:secret@localhost/db")).rejects.not.toThrow(/secret/);
  });

  it("opens an in-memory SQLite database with sqlite::memory:", async () => {
    const store = await openStore("sqlite::memory:");
    try {
      await store.migrate();
      expect(store.dialect).toBe("sqlite");
      const { organization } = await seedTenant(store, "Acme");
      expect(await store.findOrganizationByName("Acme")).toEqual(organization);
    } finally {
      await store.close();
    }
  });
});
