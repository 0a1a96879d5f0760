// What a user might pick instead: fastify 5 with the contract's JSON schemas (parameters
// validated by fastify's ajv, answers serialized by fast-json-stringify from the response
// schemas) over the same store and the same three lookups per request as the project's server
// (API key, project within the organization, job). argv[2]: DATABASE_URL.
import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { openStore } from "../../server/store/index.js";
import { apiKeyFromHeader } from "../../server/http/auth.js";
import type { Project } from "../../server/store/types.js";
import { parametersOf, schemaOf } from "../lib/spec.js";

const store = await openStore(process.argv[2]);
// Logging as a fastify user gets it by turning it on: its request logging at info (to stdout,
// which the bench points at /dev/null), as the project's server logs each request at info.
const app = Fastify({
  logger: process.env.BENCH_FASTIFY_LOG === "off" ? false : { level: "info" },
  ajv: { customOptions: { coerceTypes: true } },
});

const problem = (status: number, detail: string) => ({ status, detail });

async function tenant(authorization: string | undefined, projectKey: string): Promise<Project | { status: number; detail: string }> {
  const key = apiKeyFromHeader(authorization);
  const organization = key === undefined ? undefined : await store.findOrganizationByApiKey(key);
  if (organization === undefined) return problem(401, "Invalid API Key");
  const project = await store.findProject(organization.organizationId, projectKey);
  return project ?? problem(404, `Project ${projectKey} was not found.`);
}

app.get<{ Params: { projectKey: string; jobId: number } }>(
  "/api/v1/:projectKey/jobs/:jobId",
  {
    schema: {
      params: parametersOf("/api/v1/{projectKey}/jobs/{jobId}", "get", "path"),
      response: { 200: schemaOf("JobResponse") },
    },
  },
  async (request, reply) => {
    const project = await tenant(request.headers.authorization, request.params.projectKey);
    if (!("projectId" in project)) return reply.code(project.status).send(project);
    const job = await store.getJob(project.projectId, request.params.jobId);
    if (job === undefined) return reply.code(404).send(problem(404, "not found"));
    return { data: job };
  },
);

app.get<{ Params: { projectKey: string }; Querystring: { status?: never; limit?: number; after?: number } }>(
  "/api/v1/:projectKey/jobs",
  {
    schema: {
      params: parametersOf("/api/v1/{projectKey}/jobs", "get", "path"),
      querystring: parametersOf("/api/v1/{projectKey}/jobs", "get", "query"),
      response: { 200: schemaOf("JobListResponse") },
    },
  },
  async (request, reply) => {
    const project = await tenant(request.headers.authorization, request.params.projectKey);
    if (!("projectId" in project)) return reply.code(project.status).send(project);
    const { status, limit, after } = request.query;
    if (limit === undefined) return { data: await store.listJobs(project.projectId, { status, after }) };
    const rows = await store.listJobs(project.projectId, { status, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    if (rows.length > limit)
      reply.header("link", `</api/v1/${project.projectKey}/jobs?limit=${limit}&after=${page.at(-1)!.jobId}>; rel="next"`);
    return { data: page };
  },
);

await app.listen({ port: 0, host: "127.0.0.1" });
process.send!({ ready: true, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` });
process.on(
  "SIGTERM",
  () =>
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0)),
);
