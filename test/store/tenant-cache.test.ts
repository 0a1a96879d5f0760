// The in-process cache of tenant lookups (server/store/tenant-cache.ts): bounded, keyed by the
// key's hash, and a rotation takes effect at once, made through the same store or by another
// process (server/store/key-revocations.ts: PostgreSQL's LISTEN/NOTIFY, SQLite's change marker),
// also with a real `jobs-api org rotate-key` against a running server; and a lost listening
// connection turns the cache off until it listens again.
import * as crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openStore, type OpenStoreOptions } from "../../server/store/index.js";
import { TenantCache } from "../../server/store/tenant-cache.js";
import type { Store } from "../../server/store/types.js";
import { databases, execRaw, queryRaw, seedTenant } from "../support/databases.js";
import { recordingLogger, type RecordingLogger } from "../support/logs.js";
import { tcpProxy, throughProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { httpRequest, jobsApiJson, spawnServe, waitFor, type ServeProcess } from "../reliability/support.js";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const organization = (id: number) => ({ organizationId: id, name: `org ${id}` });
const project = (id: number, organizationId = 1) => ({ projectId: id, projectKey: `p${id}`, name: "p", organizationId });

describe("TenantCache", () => {
  it("keeps at most maxEntries organizations and projects, dropping the least recently used", () => {
    const cache = new TenantCache({ maxEntries: 3, ttlMs: 60_000 });
    for (let id = 1; id <= 3; id++) cache.rememberOrganization(`hash${id}`, organization(id), cache.epoch);
    expect(cache.organization("hash1")?.organization).toEqual(organization(1)); // 1 is now the most recent
    for (let id = 4; id <= 5; id++) cache.rememberOrganization(`hash${id}`, organization(id), cache.epoch);
    expect(cache.sizes.organizations).toBe(3);
    expect(cache.organization("hash2")).toBeUndefined();
    expect(cache.organization("hash3")).toBeUndefined();
    expect(cache.organization("hash1")?.organization).toEqual(organization(1));
    for (let id = 1; id <= 10; id++) cache.rememberProject(project(id));
    expect(cache.sizes.projects).toBe(3);
    expect(cache.project(1, "p10")).toEqual(project(10));
    expect(cache.project(1, "p1")).toBeUndefined();
  });

  it("uses an entry for ttlMs after it was read, not longer", () => {
    const clock = { now: 1000 };
    const cache = new TenantCache({ maxEntries: 10, ttlMs: 5000, now: () => clock.now });
    cache.rememberOrganization("hash", organization(1), cache.epoch);
    cache.rememberProject(project(7));
    clock.now += 4999;
    expect(cache.organization("hash")?.organization).toEqual(organization(1));
    expect(cache.project(1, "p7")).toEqual(project(7));
    clock.now += 1;
    expect(cache.organization("hash")).toBeUndefined();
    expect(cache.project(1, "p7")).toBeUndefined();
  });

  it("a project is cached per organization: the same key in another organization is not a hit", () => {
    const cache = new TenantCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.rememberProject(project(7, 1));
    expect(cache.project(2, "p7")).toBeUndefined();
  });

  it("forgetting an organization drops its keys, and a lookup that read the database before does not put the old one back", () => {
    const cache = new TenantCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.rememberOrganization("old", organization(1), cache.epoch);
    cache.rememberOrganization("other", organization(2), cache.epoch);
    const inFlight = cache.epoch; // a lookup of "old2" starts reading the database...
    cache.forgetOrganization(1); // ...the key is rotated meanwhile...
    cache.rememberOrganization("old2", organization(1), inFlight); // ...and its answer comes back
    expect(cache.organization("old")).toBeUndefined();
    expect(cache.organization("old2")).toBeUndefined();
    expect(cache.organization("other")?.organization).toEqual(organization(2));
  });

  it("forgetting every organization drops every key, and in-flight lookups do not put theirs back", () => {
    const cache = new TenantCache({ maxEntries: 10, ttlMs: 60_000 });
    cache.rememberOrganization("a", organization(1), cache.epoch);
    cache.rememberOrganization("b", organization(2), cache.epoch);
    const inFlight = cache.epoch;
    cache.forgetAllOrganizations();
    cache.rememberOrganization("c", organization(3), inFlight);
    expect(cache.sizes.organizations).toBe(0);
    cache.rememberProject(project(7));
    expect(cache.project(1, "p7")).toEqual(project(7)); // projects never change: they stay
  });

  it("maxEntries 0 keeps nothing", () => {
    const cache = new TenantCache({ maxEntries: 0, ttlMs: 60_000 });
    cache.rememberOrganization("hash", organization(1), cache.epoch);
    cache.rememberProject(project(1));
    expect(cache.sizes).toEqual({ organizations: 0, projects: 0 });
  });
});

describe.each(databases)("the store's tenant cache on $name", (database) => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  const open = async (url: string, tenantCache?: OpenStoreOptions["tenantCache"], logger?: RecordingLogger["logger"]) => {
    const store = await openStore(url, { tenantCache, logger });
    stores.push(store);
    await store.migrate();
    return store;
  };

  it("a rotation through the same store takes effect at once, though the old key was just used", async () => {
    const store = await open(await database.url());
    const { apiKey, organization: org, project: p } = await seedTenant(store, "Rot");
    for (let i = 0; i < 3; i++) {
      expect(await store.findOrganizationByApiKey(apiKey)).toEqual(org);
      expect(await store.findProject(org.organizationId, p.projectKey)).toEqual(p);
    }
    const rotated = await store.rotateApiKey(org.organizationId);
    expect(await store.findOrganizationByApiKey(apiKey)).toBeUndefined();
    expect(await store.findOrganizationByApiKey(rotated)).toEqual(org);
    expect(await store.findProject(org.organizationId, p.projectKey)).toEqual(p);
  });

  it("a rotation by another store on the database (another process) takes effect here at once, though the old key was cached", async () => {
    const url = await database.url();
    const logs = recordingLogger();
    // A TTL far longer than the test: only the announcement of the rotation can drop the entry.
    const server = await open(url, { ttlMs: 3_600_000 }, logs.logger);
    const other = await open(url);
    const { apiKey, organization: org } = await seedTenant(other, "Elsewhere");
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org);
    await cacheInUse(database.name, logs);
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org); // cached now
    // The cache answers, not the database: a change made behind the store's back (not a rotation) is not seen.
    await execRaw(url, [`update organizations set api_key_hash = 'edited by hand' where id = ${org.organizationId}`]);
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org);

    const rotated = await other.rotateApiKey(org.organizationId);
    await announced(database.name, logs, 1);
    expect(await server.findOrganizationByApiKey(apiKey)).toBeUndefined();
    expect(await server.findOrganizationByApiKey(rotated)).toEqual(org);
  });

  it("a cached key is still compared in constant time", async () => {
    const store = await open(await database.url());
    const { apiKey } = await seedTenant(store, "Timing");
    await store.findOrganizationByApiKey(apiKey);
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    await store.findOrganizationByApiKey(apiKey); // a hit
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("unknown keys and projects are not cached, so a tenant created later is found at once", async () => {
    const url = await database.url();
    const server = await open(url);
    const other = await open(url);
    const { apiKey, organization: org, project: p } = await seedTenant(other, "Later");
    expect(await server.findProject(org.organizationId, "notYetThere")).toBeUndefined();
    const created = await other.createProject(org.organizationId, "later", "notYetThere");
    expect(await server.findProject(org.organizationId, "notYetThere")).toEqual(created);
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org);
    expect(await server.findProject(org.organizationId, p.projectKey)).toEqual(p);
  });

  it("a running server refuses a key rotated by `jobs-api org rotate-key` at once (the next request), and accepts the new one", async () => {
    const env = { DATABASE_URL: await database.url(), JOBS_RUNNER: "off" };
    const created = await jobsApiJson(["project", "create", "--org", "Rotating", "--name", "Web", "--json"], env);
    let server: ServeProcess | undefined;
    try {
      server = await spawnServe(env, `tenant-cache-${database.name}`);
      const list = (key: string) => httpRequest(server!.url, `/api/v1/${created.projectKey}/jobs`, { headers: { authorization: key } });
      expect((await list(created.apiKey)).status).toBe(200);
      if (database.name === "postgres") {
        await waitFor("the server to listen for key rotations", async () =>
          server!.output().includes("listening for key rotations") ? true : undefined,
        );
      }
      expect((await list(created.apiKey)).status).toBe(200); // the key is in the server's cache now
      const { apiKey: newKey } = await jobsApiJson(["org", "rotate-key", "--org", "Rotating", "--json"], env);
      expect((await list(created.apiKey)).status).toBe(401);
      expect((await list(newKey)).status).toBe(200);
    } finally {
      await server?.stop();
    }
  }, 120_000);
});

/** PostgreSQL: the cache is used once the store listens for rotations (it starts at the first lookup). */
async function cacheInUse(dialect: string, logs: RecordingLogger, times = 1): Promise<void> {
  if (dialect !== "postgres") return;
  await waitFor("the store to listen for key rotations", async () =>
    logs.records.filter((record) => record.msg?.startsWith("listening for key rotations")).length >= times ? true : undefined,
  );
}

/**
 * PostgreSQL: the rotation's notification reached the store (delivered after the commit, on
 * another connection; in one process, the test's next line may come first). SQLite: nothing to
 * wait for, the marker is read at the lookup.
 */
async function announced(dialect: string, logs: RecordingLogger, times: number): Promise<void> {
  if (dialect !== "postgres") return;
  await waitFor("the rotation's notification", async () =>
    logs.records.filter((record) => record.msg?.startsWith("key rotated by another process")).length >= times ? true : undefined,
  );
}

const postgres = databases.find((database) => database.name === "postgres");

describe.skipIf(postgres === undefined)("the key-rotation listener (PostgreSQL)", () => {
  let proxy: TcpProxy | undefined;
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await proxy?.close();
  });

  it("when its connection is lost, the cache is off (no stale key) until it listens again, and then rotations reach it again", async () => {
    const url = await postgres!.url();
    // The server's store reaches the database through a proxy that can refuse new connections,
    // so that its listener, once killed, cannot come back until the test lets it.
    proxy = await tcpProxy(new URL(url).hostname, Number(new URL(url).port));
    const logs = recordingLogger();
    const server = await openStore(throughProxy(url, proxy), { logger: logs.logger, tenantCache: { ttlMs: 3_600_000 } });
    const other = await openStore(url);
    stores.push(server, other);
    await other.migrate();
    const { apiKey: first, organization: org } = await seedTenant(other, "Listener");
    expect(await server.findOrganizationByApiKey(first)).toEqual(org);
    await cacheInUse("postgres", logs);
    expect(await server.findOrganizationByApiKey(first)).toEqual(org); // cached

    // The listener's connection is killed, and cannot come back until the test lets it.
    proxy.refuseNew("jobs-api key revocations");
    const database = new URL(url).pathname.slice(1);
    await queryRaw(
      url,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}' and application_name = 'jobs-api key revocations'`,
    );
    await waitFor("the store to see its listener lost", async () =>
      logs.records.some((record) => record.msg?.startsWith("key rotation listener lost")) ? true : undefined,
    );
    // Meanwhile the key is looked up (the database answers), then rotated: nobody hears of it.
    expect(await server.findOrganizationByApiKey(first)).toEqual(org);
    const second = await other.rotateApiKey(org.organizationId);
    expect(await server.findOrganizationByApiKey(first)).toBeUndefined();
    expect(await server.findOrganizationByApiKey(second)).toEqual(org);
    proxy.refuseNew(false);

    // It listens again, and the cache is used and kept fresh as before.
    await cacheInUse("postgres", logs, 2);
    expect(await server.findOrganizationByApiKey(second)).toEqual(org);
    await other.rotateApiKey(org.organizationId);
    await announced("postgres", logs, 1);
    expect(await server.findOrganizationByApiKey(second)).toBeUndefined();
  }, 120_000);
});
