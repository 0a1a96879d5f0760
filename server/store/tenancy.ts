// Tenancy and keys: which organization an API key belongs to, which projects it owns, and the
// administration of both (the CLI, the demo).
import type { StoreContext } from "./context.js";
import { rethrowAs, StoreError } from "./errors.js";
import { NO_CACHE, announceRotation, watchRevocations } from "./key-revocations.js";
import { generateApiKey, generateProjectKey, hashApiKey, sameHash } from "./keys.js";
import { PROJECT_COLUMNS, toOrganization, toProject, type OrganizationRow, type ProjectRow } from "./rows.js";
import type { TenancyStore } from "./types.js";
import { precompile } from "./precompiled-query.js";
import { TenantCache } from "./tenant-cache.js";

export function tenancyStore({ db, backend, logger, tenantCache }: StoreContext): TenancyStore & { close: () => Promise<void> } {
  // The organization of a key and the projects of an organization, cached in-process (bounded;
  // see tenant-cache.ts). A rotation anywhere takes effect at once: the watch drops what another
  // process's rotation made stale, and says when the cache cannot be trusted (key-revocations.ts).
  const cache = new TenantCache(tenantCache);
  const revocations =
    tenantCache?.maxEntries === 0
      ? NO_CACHE
      : watchRevocations(
          backend,
          (organizationId) => (organizationId === undefined ? cache.forgetAllOrganizations() : cache.forgetOrganization(organizationId)),
          logger,
        );
  // The API's hot reads (one or two per request), built and compiled to SQL once: building
  // and compiling a Kysely query costs more than running it (server/store/precompiled-query.ts).
  const organizationByKeyHash = precompile<{ hash: string }, Pick<OrganizationRow, "id" | "name" | "api_key_hash">>(db, ["hash"], (p) =>
    db.selectFrom("organizations").select(["id", "name", "api_key_hash"]).where("api_key_hash", "=", p.hash),
  );
  const projectInOrganization = precompile<{ key: string; organization: number }, ProjectRow>(db, ["key", "organization"], (p) =>
    db.selectFrom("projects").select(PROJECT_COLUMNS).where("project_key", "=", p.key).where("organization_id", "=", p.organization),
  );

  return {
    async findOrganizationByApiKey(apiKey) {
      const hash = hashApiKey(apiKey);
      const usable = revocations.cacheUsable();
      // The lookup (cache or index) finds the entry; the constant-time comparison is the authentication.
      const cached = usable ? cache.organization(hash) : undefined;
      if (cached !== undefined) return sameHash(cached.hash, hash) ? cached.organization : undefined;
      const epoch = cache.epoch;
      const [row] = (await organizationByKeyHash({ hash })).rows;
      if (row === undefined || !sameHash(row.api_key_hash, hash)) return undefined;
      const organization = toOrganization(row);
      if (usable) cache.rememberOrganization(hash, organization, epoch);
      return organization;
    },

    async findProject(organizationId, projectKey) {
      const cached = cache.project(organizationId, projectKey);
      if (cached !== undefined) return cached;
      const [row] = (await projectInOrganization({ key: projectKey, organization: organizationId })).rows;
      if (row === undefined) return undefined;
      const project = toProject(row);
      cache.rememberProject(project);
      return project;
    },

    async findOrganizationByName(name) {
      const row = await db.selectFrom("organizations").select(["id", "name"]).where("name", "=", name).executeTakeFirst();
      return row && toOrganization(row);
    },

    async createOrganization(name) {
      const apiKey = generateApiKey();
      const row = await db
        .insertInto("organizations")
        .values({ name, api_key_hash: hashApiKey(apiKey), created_at: Date.now() })
        .returning(["id", "name"])
        .executeTakeFirstOrThrow()
        .catch(rethrowAs({ duplicate: `An organization named ${JSON.stringify(name)} already exists.` }));
      return { organization: toOrganization(row), apiKey };
    },

    async rotateApiKey(organizationId) {
      const apiKey = generateApiKey();
      const rotated = await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("organizations")
          .set({ api_key_hash: hashApiKey(apiKey) })
          .where("id", "=", organizationId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return false;
        await announceRotation(trx, backend.dialect, organizationId); // other processes: at the commit
        return true;
      });
      if (!rotated) throw new StoreError("unknown-reference", `There is no organization with id ${organizationId}.`);
      cache.forgetOrganization(organizationId); // this process: at once
      return apiKey;
    },

    async createProject(organizationId, name, projectKey) {
      const row = await db
        .insertInto("projects")
        .values({ project_key: projectKey ?? generateProjectKey(), name, organization_id: organizationId })
        .returning(PROJECT_COLUMNS)
        .executeTakeFirstOrThrow()
        .catch(
          rethrowAs({
            duplicate: `The project key ${JSON.stringify(projectKey)} is taken.`,
            "unknown-reference": `There is no organization with id ${organizationId}.`,
          }),
        );
      return toProject(row);
    },

    async findProjectByKey(projectKey) {
      const row = await db.selectFrom("projects").select(PROJECT_COLUMNS).where("project_key", "=", projectKey).executeTakeFirst();
      return row && toProject(row);
    },

    close: () => revocations.close(),
  };
}
