// The in-process cache of tenant lookups (server/store/tenant-cache.ts): bounded, keyed by the
// key's hash, a rotation through the same store takes effect at once, one made elsewhere within
// the TTL, and a real `jobs-api org rotate-key` reaches a running server within that bound.
import * as crypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openStore, type OpenStoreOptions } from "../../server/store/index.js";
import { TenantCache } from "../../server/store/tenant-cache.js";
import type { Store } from "../../server/store/types.js";
import { databases, seedTenant } from "../support/databases.js";
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
  const open = async (url: string, tenantCache?: OpenStoreOptions["tenantCache"]) => {
    const store = await openStore(url, { tenantCache });
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

  it("a rotation by another connection (another process) takes effect here once the TTL has passed, the new key at once", async () => {
    const url = await database.url();
    const clock = { now: 0 };
    const server = await open(url, { ttlMs: 5000, now: () => clock.now });
    const other = await open(url);
    const { apiKey, organization: org } = await seedTenant(other, "Elsewhere");
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org); // cached now
    const rotated = await other.rotateApiKey(org.organizationId);
    expect(await server.findOrganizationByApiKey(rotated)).toEqual(org);
    clock.now += 4999;
    expect(await server.findOrganizationByApiKey(apiKey)).toEqual(org); // the documented staleness
    clock.now += 1;
    expect(await server.findOrganizationByApiKey(apiKey)).toBeUndefined();
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

  it("a running server stops accepting a key rotated by `jobs-api org rotate-key` within the TTL (5 s), and accepts the new one at once", async () => {
    const env = { DATABASE_URL: await database.url(), JOBS_RUNNER: "off" };
    const created = await jobsApiJson(["project", "create", "--org", "Rotating", "--name", "Web", "--json"], env);
    let server: ServeProcess | undefined;
    try {
      server = await spawnServe(env, `tenant-cache-${database.name}`);
      const list = (key: string) => httpRequest(server!.url, `/api/v1/${created.projectKey}/jobs`, { headers: { authorization: key } });
      expect((await list(created.apiKey)).status).toBe(200); // the key is in the server's cache now
      const { apiKey: newKey } = await jobsApiJson(["org", "rotate-key", "--org", "Rotating", "--json"], env);
      expect((await list(newKey)).status).toBe(200);
      // The TTL is 5 s; the deadline is generous (a busy machine), the point is that it happens.
      await waitFor("the old key to be refused", async () => ((await list(created.apiKey)).status === 401 ? true : undefined), 60_000, 100);
    } finally {
      await server?.stop();
    }
  }, 120_000);
});
