import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";
import { databases, queryRaw, seedTenant } from "../support/databases.js";

describe.each(databases)("API keys, organizations and projects on $name", (database) => {
  let url: string;
  let store: Store;
  beforeEach(async () => {
    url = await database.url();
    store = await openStore(url);
    await store.migrate();
  });
  afterEach(() => store.close());

  it("a new API key is ork_ and 32 base64url characters, and finds its organization", async () => {
    const { organization, apiKey } = await store.createOrganization("Acme");
    expect(apiKey).toMatch(/^ork_[A-Za-z0-9_-]{32}$/);
    expect(await store.findOrganizationByApiKey(apiKey)).toEqual(organization);
  });

  it("a wrong key, a key one character off, an empty key and a key with spaces find nothing", async () => {
    const { apiKey } = await store.createOrganization("Acme");
    const last = apiKey.at(-1) === "A" ? "B" : "A";
    for (const wrong of ["ork_" + "x".repeat(32), apiKey.slice(0, -1) + last, "", ` ${apiKey}`, apiKey.toUpperCase()]) {
      expect(await store.findOrganizationByApiKey(wrong)).toBeUndefined();
    }
  });

  it("each organization's key finds its own organization only", async () => {
    const acme = await store.createOrganization("Acme");
    const globex = await store.createOrganization("Globex");
    expect(acme.apiKey).not.toBe(globex.apiKey);
    expect(await store.findOrganizationByApiKey(acme.apiKey)).toEqual(acme.organization);
    expect(await store.findOrganizationByApiKey(globex.apiKey)).toEqual(globex.organization);
  });

  it("after a rotation the old key stops working and the new one works", async () => {
    const { organization, apiKey: old } = await store.createOrganization("Acme");
    const rotated = await store.rotateApiKey(organization.organizationId);
    expect(rotated).not.toBe(old);
    expect(await store.findOrganizationByApiKey(old)).toBeUndefined();
    expect(await store.findOrganizationByApiKey(rotated)).toEqual(organization);
  });

  it("rotating the key of an organization that does not exist is an error", async () => {
    await expect(store.rotateApiKey(999)).rejects.toMatchObject({ name: "StoreError", code: "unknown-reference" });
  });

  it("the database holds the SHA-256 of the key, never the key itself", async () => {
    const { apiKey, organization } = await store.createOrganization("Acme");
    const rotated = await store.rotateApiKey(organization.organizationId);
    const rows = await queryRaw(url, "select * from organizations");
    const stored = JSON.stringify(rows);
    for (const key of [apiKey, rotated]) {
      expect(stored).not.toContain(key);
      expect(stored).not.toContain(key.slice(4)); // not even without its prefix
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]!.api_key_hash).toBe(createHash("sha256").update(rotated).digest("hex"));
  });

  it("an organization name is unique: a second one of that name is a StoreError", async () => {
    await store.createOrganization("Acme");
    await expect(store.createOrganization("Acme")).rejects.toMatchObject({ name: "StoreError", code: "duplicate" });
    expect((await store.findOrganizationByName("Acme"))?.name).toBe("Acme");
    expect(await store.findOrganizationByName("Nobody")).toBeUndefined();
  });

  it("a generated project key is 20 characters of [A-Za-z0-9], and a given one is kept", async () => {
    const { organization, project } = await seedTenant(store, "Acme");
    expect(project.projectKey).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(project.organizationId).toBe(organization.organizationId);
    const given = await store.createProject(organization.organizationId, "Docs", "3sWXSsqHgSKnE87YkNJK");
    expect(given).toMatchObject({ projectKey: "3sWXSsqHgSKnE87YkNJK", name: "Docs" });
    expect(await store.findProjectByKey("3sWXSsqHgSKnE87YkNJK")).toEqual(given);
  });

  it("a taken project key, or an unknown organization, is a StoreError", async () => {
    const { organization, project } = await seedTenant(store, "Acme");
    await expect(store.createProject(organization.organizationId, "Again", project.projectKey)).rejects.toMatchObject({
      code: "duplicate",
    });
    await expect(store.createProject(999, "Orphan")).rejects.toMatchObject({ code: "unknown-reference" });
  });

  it("findProject answers a project only within its own organization", async () => {
    const acme = await seedTenant(store, "Acme");
    const globex = await seedTenant(store, "Globex");
    expect(await store.findProject(acme.organization.organizationId, acme.project.projectKey)).toEqual(acme.project);
    expect(await store.findProject(globex.organization.organizationId, acme.project.projectKey)).toBeUndefined();
    expect(await store.findProject(acme.organization.organizationId, "NoSuchProjectKey0000")).toBeUndefined();
    expect(await store.findProjectByKey(globex.project.projectKey)).toEqual(globex.project);
  });
});
