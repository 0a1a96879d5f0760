// The prescribed stack, the baseline of the http part: Express 5 with the prototype fix and
// express-openapi-validator 5.6.2 validating requests, responses and security against the
// contract, doing the same store calls as the project's server (API key → organization, project
// within it, the job or a page of jobs) and no other code of the project: no request log, no
// metrics, no request checks, no problem bodies. The app settings are the project's (ETags off,
// strict and case-sensitive routing, the simple query parser): settings, not code.
// argv[2]: DATABASE_URL; argv[3]: "stock" (the validator as published, the npm alias
// express-openapi-validator-stock, never patched) or "patched" (node_modules/express-openapi-validator,
// with the project's patch applied by patch-package).
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type Request } from "express";
import type * as OpenApiValidatorModule from "express-openapi-validator";
import { apiKeyFromHeader } from "../../server/http/auth.js";
import { SPEC_PATH } from "../../server/http/app.js";
import { expressPrototypeClasses } from "../../server/http/server.js";
import { openStore } from "../../server/store/index.js";
import type { Organization } from "../../server/store/types.js";

const [databaseUrl, which = "stock"] = process.argv.slice(2);
if (which !== "stock" && which !== "patched") throw new Error(`argv[3] must be stock or patched, not ${which}`);
const require = createRequire(import.meta.url);
const OpenApiValidator = require(
  which === "stock" ? "express-openapi-validator-stock" : "express-openapi-validator",
) as typeof OpenApiValidatorModule;

const store = await openStore(databaseUrl);
const organizations = new WeakMap<Request, Organization>();

const app = express();
app.set("etag", false);
app.set("x-powered-by", false);
app.set("query parser", "simple");
app.set("case sensitive routing", true);
app.set("strict routing", true);
app.use(
  OpenApiValidator.middleware({
    apiSpec: SPEC_PATH,
    validateApiSpec: false,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true },
    validateResponses: true,
    validateSecurity: {
      handlers: {
        ApiKey: async (req: Request) => {
          const key = apiKeyFromHeader(req.headers.authorization);
          const organization = key === undefined ? undefined : await store.findOrganizationByApiKey(key);
          if (organization === undefined) return false;
          organizations.set(req, organization);
          return true;
        },
      },
    },
  }),
);

const projectOf = async (req: Request, projectKey: string) => store.findProject(organizations.get(req)!.organizationId, projectKey);
const notFound = () => Object.assign(new Error("not found"), { status: 404 });

app.get("/api/v1/:projectKey/jobs/:jobId", async (req, res) => {
  const project = await projectOf(req, req.params.projectKey);
  const job = project && (await store.getJob(project.projectId, Number(req.params.jobId)));
  if (job === undefined) throw notFound();
  res.json({ data: job });
});

app.get("/api/v1/:projectKey/jobs", async (req, res) => {
  const project = await projectOf(req, req.params.projectKey);
  if (project === undefined) throw notFound();
  const query = req.query as { limit?: number; after?: number };
  const limit = query.limit ?? 100;
  const rows = await store.listJobs(project.projectId, { after: query.after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  if (rows.length > limit)
    res.setHeader("Link", `</api/v1/${project.projectKey}/jobs?limit=${limit}&after=${page.at(-1)!.jobId}>; rel="next"`);
  res.json({ data: page });
});

app.use(((error: { status?: number; message?: string }, _req, res, _next) => {
  res.status(error.status ?? 500).json({ status: error.status ?? 500, detail: error.message });
}) as ErrorRequestHandler);

const server = http.createServer(expressPrototypeClasses(app), app);
server.listen(0, "127.0.0.1", () => {
  process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("SIGTERM", () => server.close(() => void store.close().then(() => process.exit(0))));
