// Tenancy and keys: which organization an API key belongs to, which projects it owns, and the
// administration of both (the CLI, the demo).
import type { StoreContext } from "./context.js";
import { rethrowAs, StoreError } from "./errors.js";
import { generateApiKey, generateProjectKey, hashApiKey, sameHash } from "./keys.js";
import { PROJECT_COLUMNS, toOrganization, toProject, type OrganizationRow, type ProjectRow } from "./rows.js";
import type { TenancyStore } from "./types.js";
import { precompile } from "../perf/precompiled-query.js";

export function tenancyStore({ db }: StoreContext): TenancyStore {
  // The API's hot reads (one or two per request), built and compiled to SQL once: building
  // and compiling a Kysely query costs more than running it (server/perf/precompiled-query.ts).
  const organizationByKeyHash = precompile<{ hash: string }, Pick<OrganizationRow, "id" | "name" | "api_key_hash">>(
    db,
    ["hash"],
    (p) => db.selectFrom("organizations").select(["id", "name", "api_key_hash"]).where("api_key_hash", "=", p.hash),
  );
  const projectInOrganization = precompile<{ key: string; organization: number }, ProjectRow>(db, ["key", "organization"], (p) =>
    db.selectFrom("projects").select(PROJECT_COLUMNS).where("project_key", "=", p.key).where("organization_id", "=", p.organization),
  );

  return {
    async findOrganizationByApiKey(apiKey) {
      const hash = hashApiKey(apiKey);
      const [row] = (await organizationByKeyHash({ hash })).rows;
      // The index lookup finds the row; the constant-time comparison is the authentication.
      if (row === undefined || !sameHash(row.api_key_hash, hash)) return undefined;
      return toOrganization(row);
    },

    async findProject(organizationId, projectKey) {
      const [row] = (await projectInOrganization({ key: projectKey, organization: organizationId })).rows;
      return row && toProject(row);
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
      const result = await db
        .updateTable("organizations")
        .set({ api_key_hash: hashApiKey(apiKey) })
        .where("id", "=", organizationId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new StoreError("unknown-reference", `There is no organization with id ${organizationId}.`);
      }
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
  };
}
