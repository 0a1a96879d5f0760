// Liveness (/healthz) and readiness (/readyz): operational endpoints outside the contract.
// Ready = the database answers and has every migration, and the process is not shutting down;
// on SIGTERM readiness fails at once while requests are still served for SHUTDOWN_DRAIN.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../server/http/app.js";
import { DEFAULTS } from "../../server/config.js";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";
import { databases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { httpRequest, spawnServe, waitFor, type ServeProcess } from "../reliability/support.js";

const SPEC = JSON.parse(readFileSync(new URL("../../generated/openapi.json", import.meta.url), "utf8")) as {
  paths: Record<string, unknown>;
};

describe.each(databases)("health endpoints on $name", (database) => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function server(): Promise<TestServer> {
    const started = await startTestServer(await database.url());
    cleanups.push(() => started.close());
    return started;
  }

  it("/healthz and /readyz answer 200 {status: ok} without a key, HEAD too", async () => {
    const { url } = await server();
    for (const path of ["/healthz", "/readyz"]) {
      const answer = await httpRequest(url, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ status: "ok" });
      expect((await httpRequest(url, path, { method: "HEAD" })).status).toBe(200);
    }
  });

  it("another method on them is a 405 problem naming GET, with its X-Request-Id", async () => {
    const { url } = await server();
    for (const path of ["/healthz", "/readyz"]) {
      const answer = await httpRequest(url, path, { method: "POST", headers: { "X-Request-Id": "probe-7" } });
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe("GET, HEAD");
      expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(answer.headers["x-request-id"]).toBe("probe-7");
      expect(answer.body).toMatchObject({ status: 405, type: "urn:problem:jobs-api:method-not-allowed", requestId: "probe-7" });
      const unnamed = await httpRequest(url, path, { method: "DELETE" });
      expect(unnamed.body.requestId).toBe(unnamed.headers["x-request-id"]);
      expect(unnamed.headers["x-request-id"]).toMatch(/^[\w.:-]{1,64}$/);
    }
  });

  it("every answer of theirs has an X-Request-Id; their paths are exact, as the API's (case, trailing slash)", async () => {
    const { url } = await server();
    for (const path of ["/healthz", "/readyz"])
      expect((await httpRequest(url, path)).headers["x-request-id"], path).toMatch(/^[\w.:-]{1,64}$/);
    for (const path of ["/HEALTHZ", "/healthz/", "/Readyz", "/readyz/"]) {
      const answer = await httpRequest(url, path);
      expect(answer.status, path).toBe(404);
      expect(answer.headers["content-type"], path).toMatch(/^application\/problem\+json/);
      expect(answer.headers["x-request-id"], path).toBeDefined();
    }
  });

  it("/readyz answers 503 when the database does not answer, while /healthz stays 200", async () => {
    const running = await server();
    await running.store.close(); // the database is gone from under the server
    const ready = await httpRequest(running.url, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(ready.body).toMatchObject({ status: 503, type: "urn:problem:jobs-api:unavailable", detail: "The database is not reachable." });
    expect((await httpRequest(running.url, "/healthz")).status).toBe(200);
  });

  it("/readyz answers 503 on a database without the migrations, naming the missing one", async () => {
    const store: Store = await openStore(await database.url()); // not migrated
    cleanups.push(() => store.close());
    const app = createApp({ store, config: { ...DEFAULTS, rateLimit: 0 }, logger: pino({ level: "silent" }) });
    const httpServer = http.createServer(app);
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => httpServer.close(resolve)));
    const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const ready = await httpRequest(url, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/migration 0001_initial/);

    await store.migrate();
    expect((await httpRequest(url, "/readyz")).status).toBe(200);
  });

  it("draining (drainAndClose): /readyz turns 503 at once, the API still answers, with Connection: close", async () => {
    const running = await server();
    const closed = running.drainAndClose(60_000);
    const ready = await httpRequest(running.url, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toBe("The server is shutting down.");
    const api = await httpRequest(running.url, "/api/v1/anything/jobs"); // no key: 401, but answered
    expect(api.status).toBe(401);
    expect(api.headers.connection).toBe("close");
    await running.drainAndClose(60_000); // asked again: closes now instead of after 60 s
    await closed;
  });
});

describe("health endpoints and the contract", () => {
  it("are not operations of openapi.yaml: they are operational, outside /api/v1", () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect(Object.keys(SPEC.paths)).not.toContain(path);
    expect(Object.keys(SPEC.paths).every((path) => path.startsWith("/api/v1/"))).toBe(true);
  });
});

describe("jobs-api serve and SIGTERM", () => {
  const servers: ServeProcess[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
  });

  it("readiness goes false at SIGTERM while requests are still served; a second SIGTERM closes at once, exit 0", async () => {
    const serve = await spawnServe({ DATABASE_URL: `sqlite::memory:`, SHUTDOWN_DRAIN: "10m" }, "health-sigterm");
    servers.push(serve);
    expect((await httpRequest(serve.url, "/readyz")).status).toBe(200);
    serve.child.kill("SIGTERM");
    await waitFor("/readyz to answer 503", async () => ((await httpRequest(serve.url, "/readyz")).status === 503 ? true : undefined));
    const live = await httpRequest(serve.url, "/healthz");
    expect(live.status).toBe(200);
    expect(live.headers.connection).toBe("close");
    expect(serve.output()).toContain("SIGTERM: not ready any more; serving for 600000 ms (SHUTDOWN_DRAIN)");
    serve.child.kill("SIGTERM");
    await serve.exited();
    expect(serve.child.exitCode).toBe(0);
  });

  it("after SIGTERM the server closes by itself when SHUTDOWN_DRAIN has passed, exit 0", async () => {
    const serve = await spawnServe({ DATABASE_URL: `sqlite::memory:`, SHUTDOWN_DRAIN: "500ms" }, "health-drain");
    servers.push(serve);
    serve.child.kill("SIGTERM");
    await serve.exited();
    expect(serve.child.exitCode).toBe(0);
  });
});
