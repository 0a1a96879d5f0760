// The project's patch of express-openapi-validator (patches/, applied by patch-package): it is
// applied to the validator the server runs, it is still exactly the difference between that and
// the published release, and it is still needed. Each test says what to do when it fails.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expressPrototypeClasses } from "../../server/http/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);
const VALIDATOR = "express-openapi-validator";
/** The release as published (an npm alias, never patched), to compare with. */
const STOCK = "express-openapi-validator-stock";
const PATCH = readdirSync(join(ROOT, "patches")).find((name) => name.startsWith(`${VALIDATOR}+`))!;
const PATCH_VERSION = /\+(.+)\.patch$/.exec(PATCH)![1]!;
const patchText = readFileSync(join(ROOT, "patches", PATCH), "utf8");
const patchedFiles = [...patchText.matchAll(/^diff --git a\/node_modules\/express-openapi-validator\/(\S+) /gm)].map((m) => m[1]!);
const packageDir = (name: string) => join(ROOT, "node_modules", name);
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")) as { version: string }).version;

describe("the patch of express-openapi-validator (patches/)", () => {
  it("is for the version the server pins, installs and compares with", () => {
    const server = JSON.parse(readFileSync(join(ROOT, "server", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    // On an upgrade of the validator: upgrade all four together and rework the patch (see the next test).
    expect(server.dependencies[VALIDATOR]).toBe(PATCH_VERSION);
    expect(root.devDependencies[STOCK]).toBe(`npm:${VALIDATOR}@${PATCH_VERSION}`);
    expect(versionOf(VALIDATOR)).toBe(PATCH_VERSION);
    expect(versionOf(STOCK)).toBe(PATCH_VERSION);
  });

  it("applies to the published release and gives exactly the validator installed here (npm ci applied it)", () => {
    expect(patchedFiles.length).toBeGreaterThan(0);
    const work = mkdtempSync(join(tmpdir(), "validator-patch-"));
    try {
      cpSync(packageDir(STOCK), join(work, "node_modules", VALIDATOR), { recursive: true });
      // If this throws, the patch no longer applies to the release: rework it (npx patch-package express-openapi-validator).
      execFileSync("git", ["apply", "--whitespace=nowarn", join(ROOT, "patches", PATCH)], { cwd: work, stdio: "pipe" });
      for (const file of patchedFiles) {
        const expected = readFileSync(join(work, "node_modules", VALIDATOR, file), "utf8");
        // If this fails, node_modules holds another validator than the patch makes: run `npm ci` (the postinstall of patches/package.json applies the patch).
        expect(readFileSync(join(packageDir(VALIDATOR), file), "utf8"), file).toBe(expected);
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("is still needed: the published release still compiles every route's matcher on every request (#1217 not shipped)", async () => {
    const stock = await compilationsPerRequest(STOCK);
    // If this fails, the release no longer recompiles routes per request: upstream shipped
    // cdimascio/express-openapi-validator#1217 (or the like). Drop that part of the patch, and
    // measure whether the rest is still worth carrying (npm run bench:http).
    expect(stock).toBeGreaterThanOrEqual(1);
    // ...and the patched one compiles none after its first request.
    expect(await compilationsPerRequest(VALIDATOR)).toBe(0);
  });

  it("is still needed: the published release still chains its middlewares on the spec's promise", () => {
    const stockSource = readFileSync(join(packageDir(STOCK), "dist", "openapi.validator.js"), "utf8");
    // If this fails, the release no longer waits on a promise in each middleware once the spec has
    // loaded: drop that part of the patch (openapi.validator.js).
    expect(stockSource).not.toContain("jobs-api patch");
    expect(stockSource.match(/return pContext\s*\n\s*\.then/g)?.length).toBeGreaterThanOrEqual(5);
  });
});

describe.each([VALIDATOR, STOCK])("the validator (%s) answers the same", (name) => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = await serve(name);
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("matches, decodes and coerces parameters, checks security and answers, and refuses what it refused", async () => {
    const get = async (path: string, headers: Record<string, string> = { "x-key": "good" }) => {
      const response = await fetch(base + path, { headers });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect(await get("/things/42?limit=3")).toEqual({ status: 200, body: { id: 42, limit: 3 } });
    expect(await get("/other/a%20b/items")).toEqual({ status: 200, body: { name: "a b" } });
    expect((await get("/things/abc")).status).toBe(400);
    expect(await get("/things/1?unknown=1")).toMatchObject({ status: 400, body: { message: "Unknown query parameter 'unknown'" } });
    expect((await get("/nothing/here")).status).toBe(404);
    expect((await get("/things/1", {})).status).toBe(401);
    expect((await get("/things/1", { "x-key": "bad" })).status).toBe(401);
    expect((await get("/things/1", { "x-key": "throws" })).status).toBe(403);
    expect(await get("/things/100")).toMatchObject({ status: 500, body: { message: expect.stringContaining("response") } });
    expect((await fetch(`${base}/things/1`, { method: "DELETE", headers: { "x-key": "good" } })).status).toBe(405);
  });
});

const SPEC = {
  openapi: "3.1.0",
  info: { title: "t", version: "1" },
  components: { securitySchemes: { Key: { type: "apiKey", in: "header", name: "X-Key" } } },
  security: [{ Key: [] }],
  paths: {
    "/things/{id}": {
      get: {
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "integer" } },
          { name: "limit", in: "query", schema: { type: "integer" } },
        ],
        responses: {
          "200": {
            description: "ok",
            content: {
              "application/json": {
                schema: { type: "object", properties: { id: { type: "integer", maximum: 99 } }, required: ["id"] },
              },
            },
          },
        },
      },
    },
    "/other/{name}/items": {
      get: {
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
  },
};

async function serve(name: string): Promise<http.Server> {
  const validator = require(name) as typeof import("express-openapi-validator");
  const app = express();
  app.use(
    validator.middleware({
      apiSpec: structuredClone(SPEC) as never,
      validateRequests: { coerceTypes: true },
      validateResponses: true,
      validateSecurity: {
        handlers: {
          Key: async (req) => {
            await Promise.resolve();
            if (req.headers["x-key"] === "throws") throw Object.assign(new Error("forbidden"), { status: 403 });
            return req.headers["x-key"] === "good";
          },
        },
      },
    }),
  );
  app.get(
    "/things/:id",
    (req, res) => void res.json({ id: Number(req.params.id), ...(req.query.limit !== undefined && { limit: req.query.limit }) }),
  );
  app.get("/other/:name/items", (req, res) => void res.json({ name: req.params.name }));
  app.use(
    ((error, _req, res, _next) => void res.status(error.status ?? 500).json({ message: error.message })) as express.ErrorRequestHandler,
  );
  const server = http.createServer(expressPrototypeClasses(app), app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** How many times the validator compiles a route matcher (path-to-regexp) for one request, after its first. */
async function compilationsPerRequest(name: string): Promise<number> {
  const pathToRegexpModule = createRequire(require.resolve(name)).call(null, "path-to-regexp") as {
    pathToRegexp: (...args: unknown[]) => unknown;
  };
  const original = pathToRegexpModule.pathToRegexp;
  let calls = 0;
  pathToRegexpModule.pathToRegexp = (...args: unknown[]) => {
    calls++;
    return original(...args);
  };
  const server = await serve(name);
  try {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await fetch(`${base}/other/x/items`, { headers: { "x-key": "good" } });
    calls = 0;
    await fetch(`${base}/other/y/items`, { headers: { "x-key": "good" } });
    return calls;
  } finally {
    pathToRegexpModule.pathToRegexp = original;
    await new Promise((resolve) => server.close(resolve));
  }
}
