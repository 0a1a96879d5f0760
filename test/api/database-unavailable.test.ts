// The database busy or unreachable for a moment is not a bug and not the client's fault: every
// operation answers 503 with Retry-After (as openapi.yaml declares), changes nothing, and works
// again as soon as the database is back. PostgreSQL is made unreachable through a TCP proxy the
// test closes; SQLite is made busy by another connection holding its write lock.
import net from "node:net";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { openStore } from "../../server/store/index.js";
import { httpRequest, waitFor, type HttpAnswer } from "../reliability/support.js";

function expectUnavailable(answer: HttpAnswer, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(503);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(answer.headers["retry-after"]).toBe("1");
  expect(answer.headers["x-request-id"]).toBe(answer.body.requestId);
  expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:unavailable", status: 503 });
}

/** A TCP proxy to host:port that can be taken down (closing every connection) and brought back on the same port. */
async function tcpProxy(host: string, port: number) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const listen = (at: number) =>
    new Promise<void>((resolve, reject) => server.once("error", reject).listen(at, "127.0.0.1", () => resolve()));
  await listen(0);
  const proxyPort = (server.address() as net.AddressInfo).port;
  return {
    port: proxyPort,
    async down() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    up: () => listen(proxyPort),
    close: () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())),
  };
}

const postgres = databases.find((database) => database.name === "postgres");

describe.skipIf(postgres === undefined)("PostgreSQL unreachable", () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  beforeAll(async () => {
    const url = new URL(await postgres!.url());
    proxy = await tcpProxy(url.hostname, Number(url.port));
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    server = await startTestServer(url.toString());
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
  });

  it("every operation answers 503 with Retry-After while the database cannot be reached, and all is well once it is back", async () => {
    const tenant = await seedTenant(server.store, "Unreachable");
    const { job } = await server.store.scheduleUserDeletion(
      tenant.project.projectId,
      "kept@example.com",
      server.clock.now,
      server.clock.now + 1,
    );
    const p = tenant.project.projectKey;
    const calls: Array<[string, string]> = [
      ["GET", `/api/v1/${p}/jobs`],
      ["GET", `/api/v1/${p}/jobs/${job.jobId}`],
      ["DELETE", `/api/v1/${p}/jobs/${job.jobId}`],
      ["DELETE", `/api/v1/${p}/users/new@example.com`],
    ];
    const call = ([method, path]: [string, string]) => httpRequest(server.url, path, { method, headers: { authorization: tenant.apiKey } });
    expect((await call(calls[0]!)).status).toBe(200);

    await proxy.down();
    for (const request of calls) expectUnavailable(await call(request), request.join(" "));

    await proxy.up();
    await waitFor("the database to be reachable again", async () => ((await call(calls[0]!)).status === 200 ? true : undefined));
    // Nothing was changed while it was down: the job is still scheduled, and no new one exists.
    const listed = await call(calls[0]!);
    expect(listed.body.data.map((j: { referenceId: string; status: string }) => [j.referenceId, j.status])).toEqual([
      ["kept@example.com", "scheduled"],
    ]);
  });
});

describe("SQLite busy", () => {
  let server: TestServer;
  let other: BetterSqlite3.Database;
  beforeAll(async () => {
    const url = await databases[0]!.url();
    // A short busy_timeout: a write waits 50 ms for the lock, not 5 s.
    const store = await openStore(url, { sqliteBusyTimeoutMs: 50 });
    await store.migrate();
    server = await startTestServer(url, {}, { store });
    other = new BetterSqlite3(url.slice("sqlite:".length));
    const closeStore = server.close.bind(server);
    server.close = async () => {
      await closeStore();
      await store.close();
    };
  });
  afterAll(async () => {
    if (other?.inTransaction) other.exec("ROLLBACK");
    other?.close();
    await server?.close();
  });

  it("deleteUserData answers 503 with Retry-After while another connection holds the write lock, and creates nothing", async () => {
    const tenant = await seedTenant(server.store, "Busy");
    const path = `/api/v1/${tenant.project.projectKey}/users/busy@example.com`;
    other.exec("BEGIN IMMEDIATE");
    expectUnavailable(
      await httpRequest(server.url, path, { method: "DELETE", headers: { authorization: tenant.apiKey } }),
      "deleteUserData",
    );
    other.exec("ROLLBACK");
    expect(await server.store.listJobs(tenant.project.projectId, {})).toEqual([]);
    expect((await httpRequest(server.url, path, { method: "DELETE", headers: { authorization: tenant.apiKey } })).status).toBe(200);
  });
});
