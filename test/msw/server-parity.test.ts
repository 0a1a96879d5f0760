// The stateful MSW handlers answer what the reference server answers: the same requests — every
// operation, its refusals, and the path oddities (case, trailing slash, empty segments, other
// methods, malformed percent-encoding) — go to a real server and to the handlers, built the same
// way (two organizations, the same clock, the same start delay), and each pair of answers must be
// equal: status, the headers a client reads, and the whole body.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contract, fillPath, type Operation } from "../../client/contract/index.js";
import { createStatefulHandlers } from "../../client/msw/index.js";
import { databases } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";

const MSW_BASE = "http://127.0.0.1:4010";
const START_DELAY_MS = 3_600_000;
/** The headers a client reads; the others (Date, Keep-Alive, ...) are the transport's. */
const COMPARED_HEADERS = ["content-type", "www-authenticate", "allow", "link", "retry-after", "x-request-id"];

interface Probe {
  method: string;
  /** Path and query, as sent (percent-encoded). */
  target: string;
  /** "a" (the first organization's key), "b", "Bearer a", a literal, or null for none. */
  key: string | null;
}

interface Seen {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

let server: TestServer;
let keys: { a: string; b: string };
const clock = { now: 0 };
let mock: ReturnType<typeof createStatefulHandlers>;
let msw: ReturnType<typeof setupServer>;

beforeAll(async () => {
  server = await startTestServer(await databases[0]!.url(), { startDelay: { kind: "delay", ms: START_DELAY_MS } });
  clock.now = server.clock.now;
  const a = await server.store.createOrganization("A");
  const b = await server.store.createOrganization("B");
  await server.store.createProject(a.organization.organizationId, "A app", "proj-a");
  await server.store.createProject(b.organization.organizationId, "B app", "proj-b");
  keys = { a: a.apiKey, b: b.apiKey };
  mock = createStatefulHandlers({
    baseUrl: MSW_BASE,
    now: () => server.clock.now,
    startDelayMs: START_DELAY_MS,
    tenants: [
      { apiKey: keys.a, projectKeys: ["proj-a"] },
      { apiKey: keys.b, projectKeys: ["proj-b"] },
    ],
  });
  // Requests to the real server are not the handlers' (another origin): they reach the network.
  msw = setupServer(...mock.handlers);
  msw.listen({ onUnhandledRequest: "bypass" });
});

afterAll(async () => {
  msw?.close();
  await server?.close();
});

let requestNumber = 0;

async function send(base: string, probe: Probe, requestId: string): Promise<Seen> {
  const headers: Record<string, string> = { "X-Request-Id": requestId };
  if (probe.key !== null) {
    headers.Authorization =
      probe.key === "a" ? keys.a : probe.key === "b" ? keys.b : probe.key === "Bearer a" ? `Bearer ${keys.a}` : probe.key;
  }
  const response = await fetch(base + probe.target, { method: probe.method, headers });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers.get(name)])),
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** Sends the probe to both; they must answer alike. */
async function expectSameAnswer(probe: Probe): Promise<Seen> {
  const requestId = `parity-${++requestNumber}`;
  const fromServer = await send(server.url, probe, requestId);
  const fromMock = await send(MSW_BASE, probe, requestId);
  expect(fromMock, `${probe.method} ${probe.target} (key ${probe.key})`).toEqual(fromServer);
  return fromServer;
}

const P = "/api/v1/proj-a";
/** One valid request of each operation, on its parameters' examples and project A. */
const exampleTarget = (operation: Operation) =>
  fillPath(operation.path, {
    ...Object.fromEntries(operation.parameters.filter((p) => p.in === "path").map((p) => [p.name, p.example as string | number])),
    projectKey: "proj-a",
  });

describe("the stateful MSW handlers and the server answer alike", () => {
  it("every operation, with each kind of key, before and after a job exists", async () => {
    for (const operation of contract.operations) {
      for (const key of ["a", "Bearer a", "b", null, "not-a-key", "Bearer ", "a b"]) {
        await expectSameAnswer({ method: operation.method.toUpperCase(), target: exampleTarget(operation), key });
      }
    }
  });

  it("a job's life: scheduled, idempotent while pending, listed and paged, cancelled once, 501 after", async () => {
    for (const user of ["ana@example.com", "li@example.com", "omar%40example.com", "a%2Fb", "%C3%A9l%C3%A8ve"]) {
      const created = await expectSameAnswer({ method: "DELETE", target: `${P}/users/${user}`, key: "a" });
      expect(created.status).toBe(200);
      server.clock.now += 1_000;
    }
    await expectSameAnswer({ method: "DELETE", target: `${P}/users/ana@example.com`, key: "Bearer a" });
    for (const target of [
      "/jobs",
      "/jobs?limit=2",
      "/jobs?limit=2&after=2",
      "/jobs?status=scheduled&limit=1",
      "/jobs?after=4",
      "/jobs?status=cancelled",
    ]) {
      await expectSameAnswer({ method: "GET", target: P + target, key: "a" });
    }
    await expectSameAnswer({ method: "DELETE", target: `${P}/jobs/2`, key: "a" });
    server.clock.now += 1_000;
    await expectSameAnswer({ method: "DELETE", target: `${P}/jobs/2`, key: "a" });
    await expectSameAnswer({ method: "GET", target: `${P}/jobs/2`, key: "a" });
    await expectSameAnswer({ method: "GET", target: "/api/v1/proj-b/jobs/2", key: "b" });
    await expectSameAnswer({ method: "GET", target: `${P}/jobs/2`, key: "b" });
    await expectSameAnswer({ method: "DELETE", target: `${P}/jobs/99`, key: "a" });
    await expectSameAnswer({ method: "DELETE", target: `${P}/users/li@example.com`, key: "a" });
    await expectSameAnswer({ method: "GET", target: `${P}/jobs`, key: "a" });
  });

  it.each([
    ["GET", "/jobs?limit=0"],
    ["GET", "/jobs?limit=1001"],
    ["GET", "/jobs?limit=abc"],
    ["GET", "/jobs?limit=01"],
    ["GET", "/jobs?limit=1e0"],
    ["GET", "/jobs?limit=%2B1"],
    ["GET", "/jobs?limit=0x10"],
    ["GET", "/jobs?limit=1e309"],
    ["GET", `/jobs?limit=${"9".repeat(20)}`],
    ["GET", "/jobs?limit="],
    ["GET", "/jobs?limit=1&limit=2"],
    ["GET", "/jobs?after=-1"],
    ["GET", "/jobs?after=9007199254740992"],
    ["GET", "/jobs?status=done"],
    ["GET", "/jobs?status="],
    ["GET", "/jobs?unknown=1"],
    ["GET", "/jobs?limit=1&unknown=1"],
    ["GET", "/jobs/0"],
    ["GET", "/jobs/abc"],
    ["GET", "/jobs/01"],
    ["GET", "/jobs/0x1"],
    ["GET", "/jobs/1.0"],
    ["GET", "/jobs/-1"],
    ["GET", "/jobs/9007199254740992"],
    ["GET", `/jobs/${"9".repeat(400)}`],
    ["GET", "/jobs/1?x=1"],
    ["DELETE", "/jobs/1e0"],
    ["DELETE", "/users/"],
    ["GET", "/users/"],
    ["DELETE", "/users"],
    ["DELETE", `/users/${"a".repeat(257)}`],
    ["DELETE", `/users/${"%C3%A9".repeat(257)}`],
    ["DELETE", `/users/${"%C3%A9".repeat(256)}x`],
    ["DELETE", "/users/a%01b"],
    ["DELETE", "/users/a%7Fb"],
    ["DELETE", "/users/a%C2%85b"],
    ["DELETE", "/users/x?y=1"],
    ["DELETE", "/users/a%"],
    ["GET", "/jobs/%ED%A0%80"],
    ["DELETE", "/users/%FF"],
  ])("a bad parameter: %s /api/v1/proj-a%s", async (method, target) => {
    for (const key of ["a", null]) await expectSameAnswer({ method, target: P + target, key });
  });

  it.each([
    ["GET", "/api/v1/not.a.key/jobs"],
    ["GET", `/api/v1/${"k".repeat(65)}/jobs`],
    ["GET", "/api/v1/%/jobs"],
    ["GET", "/api/v1/proj-z/jobs"],
    ["GET", "/api/v1/proj-b/jobs"],
    ["DELETE", "/api/v1/proj-b/users/x"],
  ])("a project that is not the key's: %s %s", async (method, target) => {
    for (const key of ["a", null]) await expectSameAnswer({ method, target, key });
  });

  it.each([
    ["GET", `${P}/Jobs`],
    ["GET", `${P}/jobs/`],
    ["GET", `${P}/JOBS/1`],
    ["DELETE", `${P}/USERS/x`],
    ["DELETE", `${P}/users/x/`],
    ["DELETE", `${P}/users/x/y`],
    ["GET", "/api/v1//jobs"],
    ["DELETE", "/api/v1//jobs/1"],
    ["GET", "/API/v1/proj-a/jobs"],
    ["GET", "/api/v1/proj-a"],
    ["GET", "/api/v1"],
    ["GET", "/"],
    ["GET", "/nope"],
    ["GET", `${P}/jobs/1/`],
    ["DELETE", `${P}/jobs`],
    ["POST", `${P}/jobs`],
    ["PUT", `${P}/jobs/1`],
    ["PATCH", `${P}/users/x`],
    ["GET", `${P}/users/x`],
    ["OPTIONS", `${P}/jobs`],
    ["HEAD", `${P}/jobs`],
    ["HEAD", `${P}/jobs/1`],
  ])("a path or method that is no operation: %s %s", async (method, target) => {
    for (const key of ["a", null]) await expectSameAnswer({ method, target, key });
  });
});
