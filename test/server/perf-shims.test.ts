// The performance shims (server/store/) and the prototype fix in server/http/server.ts: each test here
// fails when upstream behaviour changes, saying what to do (remove the shim, or rework it).
import { spawnSync } from "node:child_process";
import http from "node:http";
import { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expressPrototypeClasses, createHttpServer } from "../../server/http/server.js";
import { precompile } from "../../server/store/precompiled-query.js";
import { compileSchemaValidator } from "../../server/http/json-list-stream.js";
import { LIST_ALL_CHUNK } from "../../server/http/routes/jobs.js";
import { openStore } from "../../server/store/index.js";
import type { Job, Store } from "../../server/store/types.js";
import { databases, execRaw, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { insertJob } from "../../server/store/fixtures.js";
import { contextOf } from "../../server/store/store.js";
import { jobData } from "../support/jobs.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("the prototype fix (server/http/server.ts)", () => {
  it("Express still swaps the prototypes of req and res (so the fix is still needed)", async () => {
    const app = express();
    const handled = new Promise<{ req: boolean; res: boolean }>((resolve) => {
      app.use((req, res) => {
        resolve({ req: Object.getPrototypeOf(req) === app.request, res: Object.getPrototypeOf(res) === app.response });
      });
    });
    const req = new http.IncomingMessage(new Socket());
    req.method = "GET";
    req.url = "/";
    const res = new http.ServerResponse(req);
    expect(Object.getPrototypeOf(req)).toBe(http.IncomingMessage.prototype);
    app(req as express.Request, res as express.Response);
    const seen = await handled;
    // If this fails, Express no longer swaps prototypes: remove expressPrototypeClasses from
    // server/http/server.ts (createHttpServer can pass the app to http.createServer as it is).
    expect(seen).toEqual({ req: true, res: true });
  });

  it("req and res are built with Express's prototypes already, so Express's swap changes nothing", async () => {
    const app = express();
    const { IncomingMessage, ServerResponse } = expressPrototypeClasses(app);
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    expect(Object.getPrototypeOf(req)).toBe(app.request);
    expect(Object.getPrototypeOf(res)).toBe(app.response);
    // Built by Node's constructors: their own state is there.
    expect(req.headers).toEqual({});
    expect(res.statusCode).toBe(200);
    expect(req).toBeInstanceOf(http.IncomingMessage);
    expect(res).toBeInstanceOf(http.ServerResponse);

    app.get("/", (request, response) => {
      response.json({ same: Object.getPrototypeOf(request) === app.request && Object.getPrototypeOf(response) === app.response });
    });
    const server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      expect(await answer.json()).toEqual({ same: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("every req and every res built by the fix shares one hidden class (no per-request map)", () => {
    // V8's %HaveSameMap needs --allow-natives-syntax, so this runs in a child process. Building
    // the objects with Reflect.construct(Base, args, Subclass) made a new map per object.
    const script = `
      import { Socket } from "node:net";
      import express from "express";
      import { expressPrototypeClasses } from ${JSON.stringify(`${ROOT}server/http/server.ts`)};
      const same = new Function("a", "b", "return %HaveSameMap(a, b)");
      const { IncomingMessage, ServerResponse } = expressPrototypeClasses(express());
      const [a, b, c] = [1, 2, 3].map(() => new IncomingMessage(new Socket()));
      const [x, y] = [a, b].map((req) => new ServerResponse(req));
      console.log(JSON.stringify({ req: same(a, b) && same(b, c), res: same(x, y) }));
    `;
    const child = spawnSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout.trim())).toEqual({ req: true, res: true });
  });
});

describe("precompiled queries (server/store/precompiled-query.ts)", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(await databases[0]!.url());
    await store.migrate();
  });
  afterAll(() => store.close());

  it("runs the query compiled once with each call's values", async () => {
    const { organization } = await store.createOrganization("precompiled");
    const { db } = contextOf(store);
    const byId = precompile<{ id: number }, { name: string }>(db, ["id"], (p) =>
      db.selectFrom("organizations").select("name").where("id", "=", p.id),
    );
    expect((await byId({ id: organization.organizationId })).rows).toEqual([{ name: "precompiled" }]);
    expect((await byId({ id: organization.organizationId + 1000 })).rows).toEqual([]);
  });

  it("refuses, at start-up, a query in which a parameter does not become exactly one SQL parameter", () => {
    const { db } = contextOf(store);
    expect(() =>
      precompile<{ id: number }, unknown>(db, ["id"], (p) =>
        db.selectFrom("organizations").selectAll().where("id", "=", p.id).where("id", "<", p.id),
      ),
    ).toThrow(/appears 2 times/);
  });
});

describe.each(databases)("listJobs without limit, streamed ($name)", (database) => {
  let api: TestServer;
  let key: string;
  let projectKey: string;
  let projectId: number;
  const total = LIST_ALL_CHUNK * 2 + 37; // several database chunks and a partial last one

  let url: string;
  beforeAll(async () => {
    url = await database.url();
    api = await startTestServer(url);
    const tenant = await seedTenant(api.store, "streamer");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
    for (let i = 0; i < total; i++) {
      const at = 1_700_000_000_000 + i;
      await insertJob(
        api.store,
        jobData(projectId, i % 3 === 0 ? "completed" : "cancelled", `u${i}`, { createdAt: at, updatedAt: at, startAt: at }),
      );
    }
  }, 120_000);
  afterAll(() => api?.close());

  it("answers every job of the project, oldest first, across several database chunks", async () => {
    const answer = await api.call("GET", `/api/v1/${projectKey}/jobs`, { key });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    const jobs = answer.body.data as Job[];
    expect(jobs).toHaveLength(total);
    expect(jobs.map((job) => job.jobId)).toEqual([...jobs.map((job) => job.jobId)].sort((a, b) => a - b));
    expect(new Set(jobs.map((job) => job.jobId)).size).toBe(total);
    expect(compileSchemaValidator("Job")(jobs[0])).toBe(true);
  });

  it("applies status and after to the streamed list as to a page", async () => {
    const all = (await api.call("GET", `/api/v1/${projectKey}/jobs`, { key })).body.data as Job[];
    const completed = (await api.call("GET", `/api/v1/${projectKey}/jobs?status=completed`, { key })).body.data as Job[];
    expect(completed).toEqual(all.filter((job) => job.status === "completed"));
    const after = all[LIST_ALL_CHUNK + 5]!.jobId;
    const rest = (await api.call("GET", `/api/v1/${projectKey}/jobs?after=${after}`, { key })).body.data as Job[];
    expect(rest).toEqual(all.filter((job) => job.jobId > after));
  });

  it("an invalid job in the first chunk answers 500, not a list", async () => {
    const other = await seedTenant(api.store, "invalid-first");
    const broken = await insertJob(api.store, {
      description: "broken",
      status: "completed",
      projectId: other.project.projectId,
      action: "delete_user_data",
      referenceId: "x",
      createdAt: 0,
      updatedAt: 0,
      startAt: 0,
      errors: null,
    });
    // A corrupt row (the store refuses to write one): EpochMillis has minimum 0.
    await execRaw(url, [`update jobs set created_at = -5 where job_id = ${broken.jobId}`]);
    const answer = await api.call("GET", `/api/v1/${other.project.projectKey}/jobs`, { key: other.apiKey });
    expect(answer.status).toBe(500);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
  });

  it("an invalid job after the first chunk breaks the connection instead of ending the list early", async () => {
    const owner = await seedTenant(api.store, "invalid-later");
    const job = (i: number, createdAt: number) => ({
      description: "d",
      status: "completed" as const,
      projectId: owner.project.projectId,
      action: "delete_user_data" as const,
      referenceId: `r${i}`,
      createdAt,
      updatedAt: 0,
      startAt: 0,
      errors: null,
    });
    for (let i = 0; i < LIST_ALL_CHUNK + 1; i++) await insertJob(api.store, job(i, 1));
    const broken = await insertJob(api.store, job(-1, 0));
    await execRaw(url, [`update jobs set created_at = -5 where job_id = ${broken.jobId}`]); // corrupt: EpochMillis has minimum 0
    const response = await fetch(`${api.url}/api/v1/${owner.project.projectKey}/jobs`, { headers: { authorization: owner.apiKey } });
    expect(response.status).toBe(200); // the status line went out with the first chunk
    await expect(response.text()).rejects.toThrow();
  });
});
