// A request whose body never arrives whole (a short body then a half-close, a broken chunk, a
// reset) is answered 400 by the HTTP layer, and must never reach its handler: deleteUserData must
// not create a job. Deterministic: the API key lookup is held until the client has its 400 and
// the connection is closed, which is the order in which the race went wrong (PostgreSQL's lookup
// is slow enough for the client to get there first).
import net from "node:net";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { withOverrides } from "../support/store-overrides.js";
import { openStore } from "../../server/store/index.js";
import type { Store } from "../../server/store/types.js";

/**
 * Sends `request`; once `received` resolves, ends (half-close) or resets the connection, or leaves
 * it to the server ("keep"). Resolves with what came back once the connection is closed.
 */
function sendAndClose(port: number, request: string, close: "half-close" | "reset" | "keep", received: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
    );
    socket.on("close", () => resolve(text));
    socket.on("connect", () => {
      socket.write(request);
      void received.then(() => (close === "half-close" ? socket.end() : close === "reset" ? socket.resetAndDestroy() : undefined));
    });
  });
}

describe.each(databases)("a request whose body is incomplete, on $name", (database) => {
  let server: TestServer;
  let store: Store;
  let key: string;
  let projectKey: string;
  let projectId: number;
  /** The API key lookup waits for this (opened by each test when it wants the request to go on). */
  let gate: { open(): void; wait: Promise<void> };
  const projectLookups: string[] = [];

  const newGate = () => {
    let open!: () => void;
    const wait = new Promise<void>((resolve) => (open = resolve));
    gate = { open, wait };
  };

  beforeAll(async () => {
    const url = await database.url();
    store = await openStore(url);
    await store.migrate();
    newGate();
    const gated = withOverrides(store, {
      findOrganizationByApiKey: async (apiKey) => {
        await gate.wait;
        return store.findOrganizationByApiKey(apiKey);
      },
      findProject: async (organizationId, key) => {
        projectLookups.push(key);
        return store.findProject(organizationId, key);
      },
    });
    server = await startTestServer(url, {}, { store: gated });
    const tenant = await seedTenant(store, "Torn");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
  });
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  /** received: the server has parsed the request line and headers; done: Express has finished with it (res.end called). */
  function watch(path: string): { received: Promise<void>; done: Promise<void> } {
    let received!: () => void;
    let done!: () => void;
    const watched = {
      received: new Promise<void>((resolve) => (received = resolve)),
      done: new Promise<void>((resolve) => (done = resolve)),
    };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!req.url?.endsWith(path)) return;
      server.server.off("request", onRequest);
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof res.end>) => {
        const result = end(...args);
        done();
        return result;
      }) as typeof res.end;
      received();
    };
    server.server.on("request", onRequest);
    return watched;
  }

  const cases: Array<[string, (path: string) => string, "half-close" | "reset"]> = [
    [
      "Content-Length: 10 with 3 bytes, then a half-close",
      (path) => `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 10\r\n\r\nabc`,
      "half-close",
    ],
    [
      "a broken chunk",
      (path) => `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n`,
      "half-close",
    ],
    [
      "Content-Length: 10 with 3 bytes, then a reset",
      (path) => `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 10\r\n\r\nabc`,
      "reset",
    ],
  ];

  it.each(cases)("%s: the answer (if any) is 400, and the operation never runs", async (_name, request, close) => {
    newGate();
    const userId = `torn-${Math.random().toString(36).slice(2)}`;
    const path = `/api/v1/${projectKey}/users/${userId}`;
    const { received, done } = watch(path);
    const lookupsBefore = projectLookups.length;
    const answer = await sendAndClose(server.port, request(path), close, received);
    if (answer !== "") {
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/application\/problem\+json/);
    }
    // The connection is closed; only now may the request go on past authentication.
    gate.open();
    await done;
    expect(projectLookups.length, "the request got past the body reader").toBe(lookupsBefore);
    expect((await store.listJobs(projectId, {})).map((job) => job.referenceId)).not.toContain(userId);
  });

  it("a whole request followed by broken bytes (pipelined) gets its own answer, never a 400 for what followed it", async () => {
    newGate();
    const userId = `pipelined-${Math.random().toString(36).slice(2)}`;
    const path = `/api/v1/${projectKey}/users/${userId}`;
    const { received } = watch(path);
    const parserError = new Promise<void>((resolve) => server.server.once("clientError", () => resolve()));
    const answer = sendAndClose(
      server.port,
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\n\r\nNOT HTTP AT ALL\r\n\r\n`,
      "keep",
      received,
    );
    await received;
    await parserError;
    gate.open();
    const text = await answer;
    const created = (await store.listJobs(projectId, {})).some((job) => job.referenceId === userId);
    // Whatever the client was told is true: a 200 with the job, or an error and no job.
    if (created) expect(text).toMatch(/^HTTP\/1\.1 200 /);
    else expect(text).not.toMatch(/^HTTP\/1\.1 200 /);
    expect(text).not.toMatch(/^HTTP\/1\.1 400 /);
  });

  it("the same request with its whole body still runs (the guard refuses only incomplete ones)", async () => {
    newGate();
    gate.open();
    const path = `/api/v1/${projectKey}/users/whole@example.com`;
    const { received } = watch(path);
    const answer = await sendAndClose(
      server.port,
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
      "keep",
      received,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect((await store.listJobs(projectId, {})).map((job) => job.referenceId)).toContain("whole@example.com");
  });
});
