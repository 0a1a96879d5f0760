// The database busy, unreachable or not answering for a moment is not a bug and not the client's
// fault: every operation answers 503 with Retry-After (as openapi.yaml declares), within a bounded
// time, changes nothing, and works again as soon as the database is back. PostgreSQL is made
// unreachable, or frozen (it accepts connections and bytes but never answers, as a SIGSTOPped
// server does), through a TCP proxy the test controls; SQLite is made busy by another connection
// holding its write lock.
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { tcpProxy, throughProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";
import { httpRequest, waitFor, type HttpAnswer } from "../reliability/support.js";
import { requestsToEveryOperation, type OperationRequest } from "../support/every-operation.js";
import { responseFor } from "../../client/contract/index.js";

function expectUnavailable(answer: HttpAnswer, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(503);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(answer.headers["retry-after"]).toBe("1");
  expect(answer.headers["x-request-id"]).toBe(answer.body.requestId);
  expect(answer.body).toMatchObject({ type: "urn:problem:jobs-api:unavailable", status: 503 });
}

const postgres = databases.find((database) => database.name === "postgres");

/** A tenant with a scheduled job (written through `store`), and a call of every operation of the contract with its key. */
async function everyOperation(server: TestServer, name: string, store: Store = server.store) {
  const tenant = await seedTenant(store, name);
  const { job } = await store.scheduleUserDeletion(tenant.project.projectId, "kept@example.com", server.clock.now, server.clock.now + 1);
  const calls = requestsToEveryOperation({ projectKey: tenant.project.projectKey, jobId: job.jobId, userId: "new@example.com" });
  for (const request of calls) expect(responseFor(request.operation, 503)?.status, `${request.operationId} declares 503`).toBe("503");
  const listJobs = calls.find((request) => request.operationId === "listJobs")!;
  const call = ({ method, path }: OperationRequest, timeoutMs?: number) =>
    httpRequest(server.url, path, { method, headers: { authorization: tenant.apiKey }, timeoutMs });
  /** Nothing was changed while the database was away: the job is still scheduled, and no new one exists. */
  const expectUnchanged = async () => {
    const listed = await call(listJobs);
    expect(listed.body.data.map((j: { referenceId: string; status: string }) => [j.referenceId, j.status])).toEqual([
      ["kept@example.com", "scheduled"],
    ]);
  };
  return { calls, listJobs, call, expectUnchanged };
}

const what = (request: OperationRequest) => `${request.method} ${request.path}`;

describe.skipIf(postgres === undefined)("PostgreSQL unreachable", () => {
  let server: TestServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const url = await postgres!.url();
    proxy = await tcpProxy(new URL(url).hostname, Number(new URL(url).port));
    server = await startTestServer(throughProxy(url, proxy));
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
  });

  it("every operation answers 503 with Retry-After while the database cannot be reached, and all is well once it is back", async () => {
    const { calls, listJobs, call, expectUnchanged } = await everyOperation(server, "Unreachable");
    expect((await call(listJobs)).status).toBe(200);

    await proxy.down();
    for (const request of calls) expectUnavailable(await call(request), what(request));

    await proxy.up();
    await waitFor("the database to be reachable again", async () => ((await call(listJobs)).status === 200 ? true : undefined));
    await expectUnchanged();
  });
});

describe.skipIf(postgres === undefined)("PostgreSQL that stops answering (frozen)", () => {
  // Short timeouts so the test is quick; the point is that there is a bound at all (before, a
  // request waited for as long as the database was frozen).
  const timeouts = { databaseConnectTimeoutMs: 2_000, databaseStatementTimeoutMs: 2_000 };
  /** The most a request may take while frozen: the two timeouts, and a generous margin for a busy machine. */
  const BOUND_MS = timeouts.databaseConnectTimeoutMs + timeouts.databaseStatementTimeoutMs + 20_000;
  let server: TestServer;
  let seeder: Store;
  let proxy: TcpProxy;
  beforeAll(async () => {
    const url = await postgres!.url();
    proxy = await tcpProxy(new URL(url).hostname, Number(new URL(url).port));
    // The shared rate limit counts in the database: it must not hang either.
    server = await startTestServer(throughProxy(url, proxy), { ...timeouts, rateLimit: 1000, rateLimitStore: "database" });
    seeder = await openStore(url); // the default timeouts: a busy machine does not fail the set-up
  });
  afterAll(async () => {
    proxy?.thaw();
    await seeder?.close();
    await server?.close();
    await proxy?.close();
  });

  it("every operation answers 503 with Retry-After within DATABASE_CONNECT_TIMEOUT + DATABASE_STATEMENT_TIMEOUT, and all is well once it answers again", async () => {
    const { calls, listJobs, call, expectUnchanged } = await everyOperation(server, "Frozen", seeder);
    // The reads answered before the freeze (a busy machine may make a statement slower than the short timeout: retried).
    for (const request of calls.filter((r) => r.method === "GET")) {
      await waitFor(`${what(request)} to answer 200`, async () => ((await call(request)).status === 200 ? true : undefined));
    }

    proxy.freeze();
    // Twice each: first on the pool's open connections (a statement that gets no answer), then
    // on new ones (a connection that gets no answer).
    for (const request of [...calls, ...calls]) {
      const started = performance.now();
      const answer = await call(request, BOUND_MS);
      expectUnavailable(answer, what(request));
      expect(performance.now() - started, what(request)).toBeLessThan(BOUND_MS);
    }
    expect((await httpRequest(server.url, "/readyz", { timeoutMs: BOUND_MS })).status).toBe(503);

    proxy.thaw();
    await waitFor("the database to answer again", async () => ((await call(listJobs)).status === 200 ? true : undefined));
    await expectUnchanged();
    expect((await httpRequest(server.url, "/readyz")).status).toBe(200);
  }, 120_000);
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
