// Abuse limits: hostile or broken input always gets a 4xx problem answer (RFC 9457), never a
// 5xx, never a hang, and changes nothing. The real server (Express app, validator, store) on a
// port; request-level cases on every database, parser-level cases (raw bytes on a socket) once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { expectProblem } from "../support/problems.js";
import { httpRequest, rawHttp } from "./support.js";
import { contract } from "../../client/contract/index.js";
import { hasPathParameter, requestOf, requestsToEveryOperation } from "../support/every-operation.js";
import { MAX_HEADER_BYTES, TIMEOUTS } from "../../server/http/server.js";
import { MAX_BODY_BYTES, MAX_URL_LENGTH } from "../../server/http/app.js";

describe.each(databases)("abuse of the API on $name", (database) => {
  let server: TestServer;
  let key: string;
  let projectKey: string;
  let projectId: number;
  let jobId: number;
  const jobCount = async () => (await server.store.listJobs(projectId, {})).length;
  const del = (userIdPath: string) =>
    httpRequest(server.url, `/api/v1/${projectKey}/users/${userIdPath}`, { method: "DELETE", headers: { authorization: key } });

  beforeAll(async () => {
    server = await startTestServer(await database.url());
    const tenant = await seedTenant(server.store, "Abuse");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
    jobId = (await server.store.scheduleUserDeletion(projectId, "first@example.com", server.clock.now, server.clock.now + 1)).job.jobId;
  });
  afterAll(async () => server?.close());

  it("a userId over 256 characters answers 400, and one whose URL is over the limit 414 or 431; nothing is created", async () => {
    const before = await jobCount();
    for (const length of [257, 1000, 4000, 8000]) {
      expectProblem(await del("u".repeat(length)), 400, { what: `userId of ${length} characters` });
    }
    expectProblem(await del("u".repeat(256) + "%F0%9F%98%80"), 400, { what: "256 characters and an emoji" });
    // 10,000 characters: the request target is over MAX_URL_LENGTH (414); encoded Unicode makes it
    // larger than the header limit (431, answered by the HTTP parser).
    const long = await del("u".repeat(10_000));
    expectProblem(long, 414, { what: "10,000 ASCII characters" });
    expect(MAX_URL_LENGTH).toBeLessThan(10_000);
    expectProblem(await del("%E2%82%AC".repeat(10_000)), [414, 431], { what: "10,000 euro signs" });
    expectProblem(await del("%F0%9F%98%80".repeat(10_000)), [414, 431], { what: "10,000 emoji" });
    expect(await jobCount()).toBe(before);
  });

  it("a userId of up to 256 Unicode characters is accepted and stored exactly as sent", async () => {
    const userIds = [
      "u".repeat(256),
      "😀".repeat(256), // 256 code points, 512 UTF-16 units, 1024 UTF-8 bytes
      "\u202Eevil\u202C@example.com", // right-to-left override
      "e\u0301\u0301\u0301", // combining accents
      "用户@例子.中国",
      'O\'Brien "quoted" <tag> & ; -- DROP TABLE jobs',
      "%00", // the characters % 0 0, sent encoded as %2500
      "\uFEFFbom",
      "\uD83D\uDE00\u200D\u200D", // an emoji and zero-width joiners
    ];
    for (const userId of userIds) {
      const answer = await del(encodeURIComponent(userId));
      expect(answer.status, JSON.stringify(userId)).toBe(200);
      expect(answer.body.data.referenceId).toBe(userId);
      expect(answer.body.data.description).toBe(`Delete user sessions of userId = ${userId}`);
      const stored = await server.store.getJob(projectId, answer.body.data.jobId);
      expect(stored?.referenceId).toBe(userId);
    }
  });

  it("control characters in a userId answer 400 and create nothing", async () => {
    const before = await jobCount();
    for (const encoded of ["%00", "a%00b", "%01", "a%0Ab", "a%0Db", "%09", "%1F", "a%7F", "%0D%0ASet-Cookie:%20x=1"]) {
      expectProblem(await del(encoded), 400, { what: encoded });
    }
    expect(await jobCount()).toBe(before);
  });

  it("C1 control characters (U+0080 to U+009F) in a userId answer 400 and create nothing; U+00A0 is no control character", async () => {
    const before = await jobCount();
    for (const encoded of ["%C2%80", "%C2%85", "a%C2%85b", "user%C2%9F", "%C2%9B31m"]) {
      const answer = await del(encoded);
      expectProblem(answer, 400, { what: encoded });
      expect(answer.body.detail, encoded).toMatch(/userId/);
    }
    expect(await jobCount()).toBe(before);
    const nbsp = await del("a%C2%A0b");
    expect(nbsp.status).toBe(200);
    expect(nbsp.body.data.referenceId).toBe("a\u00A0b");
  });

  it("path tricks in a userId are data, never paths: encoded slashes and dots are stored as sent", async () => {
    const cases: Array<[string, string]> = [
      ["a%2Fb", "a/b"],
      ["%2E%2E", ".."],
      ["..", ".."],
      ["..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"],
      ["%5C..%5Cwindows", "\\..\\windows"],
      ["%252F", "%2F"],
      ["a%3Fb", "a?b"],
      ["a%23b", "a#b"],
      ["a;b=c", "a;b=c"],
    ];
    for (const [encoded, userId] of cases) {
      const answer = await del(encoded);
      expect(answer.status, encoded).toBe(200);
      expect(answer.body.data.referenceId).toBe(userId);
    }
    // Unencoded path segments are routing, not a userId: no operation matches (and no job).
    const before = await jobCount();
    for (const path of [
      `/api/v1/${projectKey}/users/x/..`,
      `/api/v1/${projectKey}/users/../jobs`,
      `/api/v1/${projectKey}/users/a/b`,
      `/api/v1/${projectKey}/jobs/../users/x`,
      `/api/v1/${projectKey}/users/`,
      `/api/v1/${projectKey}/users`,
      `/api/v1/../v1/${projectKey}/users/x`,
    ]) {
      const answer = await httpRequest(server.url, path, { method: "DELETE", headers: { authorization: key } });
      expectProblem(answer, [400, 404, 405], { what: path });
    }
    expect(await jobCount()).toBe(before);
  });

  it("malformed percent-encoding in a userId answers 400", async () => {
    const before = await jobCount();
    for (const encoded of ["%", "a%", "%G1", "%C0%AF", "%ED%A0%80", "%FF", "%E2%82"]) {
      expectProblem(await del(encoded), 400, { what: encoded });
    }
    expect(await jobCount()).toBe(before);
  });

  it("a jobId that overflows or is not a positive integer answers 400 on getJob and cancelJob", async () => {
    const bad = [
      "0",
      "-1",
      "9007199254740992",
      "18446744073709551616",
      "9".repeat(400),
      "1e309",
      "-1e309",
      "Infinity",
      "NaN",
      "1.5",
      "abc",
      "1%00",
      "0x",
      "%20",
    ];
    for (const operation of contract.operations.filter((o) => hasPathParameter(o, "jobId"))) {
      for (const id of bad) {
        const { method, path } = requestOf(operation, { projectKey, jobId: id }, { encoded: true });
        const answer = await httpRequest(server.url, path, { method, headers: { authorization: key } });
        expectProblem(answer, 400, { what: `${method} ${path}` });
      }
    }
    // The largest valid id is simply unknown.
    expectProblem(await httpRequest(server.url, `/api/v1/${projectKey}/jobs/9007199254740991`, { headers: { authorization: key } }), 404);
    expect((await server.store.getJob(projectId, jobId))?.status).toBe("scheduled");
  });

  it("a jobId written another way (1e0, 1.0, +1, 01) is a 400, the same on every database", async () => {
    const canonical = await httpRequest(server.url, `/api/v1/${projectKey}/jobs/${jobId}`, { headers: { authorization: key } });
    expect(canonical.status).toBe(200);
    for (const id of [`${jobId}e0`, `${jobId}.0`, `+${jobId}`, `0${jobId}`, `%20${jobId}`, `0x${jobId.toString(16)}`]) {
      const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs/${id}`, { headers: { authorization: key } });
      expectProblem(answer, 400, { what: id });
    }
  });

  it("abusive query strings on listJobs answer 400", async () => {
    const queries = [
      "limit=1e309",
      "limit=-1e309",
      "limit=Infinity",
      "limit=NaN",
      "limit=0",
      "limit=1001",
      "limit=2.5",
      "limit=1&limit=2",
      "limit[]=1",
      "after=-1",
      "after=1e309",
      "after=9007199254740992",
      "status=bogus",
      "status=scheduled&status=running",
      "status[]=scheduled",
      "__proto__=1",
      "constructor[prototype][polluted]=1",
      "unknown=1",
      "limit=%00",
    ];
    for (const query of queries) {
      const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs?${query}`, { headers: { authorization: key } });
      expectProblem(answer, 400, { what: query });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a malformed, unknown or misplaced Authorization answers 401 (the same body as an unknown key) and changes nothing", async () => {
    const before = await jobCount();
    const unknown = await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { headers: { authorization: "ork_unknown" } });
    expectProblem(unknown, 401);
    const headerSets: Array<Record<string, string | string[]>> = [
      {},
      { authorization: "" },
      { authorization: "   " },
      { authorization: "Bearer" },
      { authorization: "Bearer " },
      { authorization: `Bearer Bearer ${key}` },
      { authorization: `Basic ${Buffer.from(`${key}:`).toString("base64")}` },
      { authorization: `Token ${key}` },
      { authorization: `${key} ${key}` },
      { authorization: `${key}x` },
      { authorization: key.slice(0, -1) },
      { authorization: key.toUpperCase() },
      { authorization: "k".repeat(8000) },
      { authorization: `${key}\t` + "x" },
      { authorization: ["bad", key] },
      { "x-api-key": key },
      { cookie: `authorization=${key}` },
      { "proxy-authorization": key },
    ];
    const paths = requestsToEveryOperation({ projectKey, jobId, userId: "victim@example.com" });
    for (const headers of headerSets) {
      for (const { method, path } of paths) {
        const answer = await httpRequest(server.url, path, { method, headers });
        expectProblem(answer, 401, { what: `${method} ${path} with ${JSON.stringify(headers).slice(0, 80)}` });
        expect(answer.body.type).toBe(unknown.body.type);
        expect(answer.body.title).toBe(unknown.body.title);
      }
    }
    // Bytes that are not ASCII, sent raw (node:http refuses to send them).
    const raw = await rawHttp(server.port, [
      `GET /api/v1/${projectKey}/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: `,
      Buffer.from([0xc3, 0xa9, 0xff, 0xfe, 0x80]),
      "\r\n\r\n",
    ]);
    expectProblem(raw, [400, 401], { what: "non-ASCII Authorization bytes" });
    expect(await jobCount()).toBe(before);
    expect((await server.store.getJob(projectId, jobId))?.status).toBe("scheduled");
  });
});

describe("per-key rate limit", () => {
  let server: TestServer;
  const LIMIT = 5;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url(), { rateLimit: LIMIT, rateLimitWindowMs: 60_000 });
  });
  afterAll(async () => server?.close());

  it("of many concurrent calls with one key exactly the limit succeed; the rest answer 429 with Retry-After and create nothing", async () => {
    const tenant = await seedTenant(server.store, "Burst");
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        httpRequest(server.url, `/api/v1/${tenant.project.projectKey}/users/burst-${i}`, {
          method: "DELETE",
          headers: { authorization: tenant.apiKey },
        }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(LIMIT);
    expect(limited).toHaveLength(30 - LIMIT);
    for (const answer of limited) {
      expectProblem(answer, 429);
      const retryAfter = Number(answer.headers["retry-after"]);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    }
    // Only the answered calls created jobs.
    const jobs = await server.store.listJobs(tenant.project.projectId, {});
    expect(jobs.map((j) => j.jobId).sort()).toEqual(ok.map((a) => a.body.data.jobId).sort());
    // Another organization's key has its own budget; a bad key is refused as 401, not 429.
    const other = await seedTenant(server.store, "Quiet");
    expect(
      (await httpRequest(server.url, `/api/v1/${other.project.projectKey}/jobs`, { headers: { authorization: other.apiKey } })).status,
    ).toBe(200);
    expectProblem(
      await httpRequest(server.url, `/api/v1/${tenant.project.projectKey}/jobs`, { headers: { authorization: "ork_nobody" } }),
      401,
    );
  });
});

describe("HTTP-level limits and broken HTTP", () => {
  let server: TestServer;
  let key: string;
  let projectKey: string;
  let projectId: number;
  beforeAll(async () => {
    server = await startTestServer(await databases[0]!.url());
    const tenant = await seedTenant(server.store, "Wire");
    key = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    projectId = tenant.project.projectId;
  });
  afterAll(async () => server?.close());

  const head = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\n${extra}`;

  it("headers over 16 KiB answer 431 with a problem body and close the connection", async () => {
    const answer = await rawHttp(server.port, [head(`/api/v1/${projectKey}/jobs`, `X-Big: ${"b".repeat(MAX_HEADER_BYTES)}\r\n\r\n`)]);
    expectProblem(answer, 431);
    expect(answer.text).toMatch(/Content-Type: application\/problem\+json/);
    expect(answer.closed).toBe(true);
    // Many small headers add up the same way.
    const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: ${"v".repeat(20)}\r\n`).join("");
    expectProblem(await rawHttp(server.port, [head(`/api/v1/${projectKey}/jobs`, `${many}\r\n`)]), 431);
  });

  it("a request target over 8,192 characters answers 414, and one over the header limit 431", async () => {
    const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs?${"a".repeat(MAX_URL_LENGTH)}=1`, {
      headers: { authorization: key },
    });
    expectProblem(answer, 414);
    expectProblem(await rawHttp(server.port, [`GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]), 431);
  });

  it("a body over 1 KiB answers 413, however it is sent, and creates nothing", async () => {
    const path = `/api/v1/${projectKey}/users/bodied@example.com`;
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    const chunked = await rawHttp(server.port, [
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    ]);
    expectProblem(chunked, 413, { what: "chunked" });
    // A huge declared length is refused at once, without waiting for (or reading) the body: the
    // answer comes well before the request timeout (30 s) would end the connection.
    const declared = await rawHttp(
      server.port,
      [`DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 1000000000\r\nConnection: close\r\n\r\nxx`],
      { timeoutMs: 20_000 },
    );
    expectProblem(declared, 413, { what: "Content-Length: 1e9" });
    expect(await server.store.listJobs(projectId, {})).toEqual([]);
  });

  it("request smuggling shapes and broken HTTP answer 400 with a problem body", async () => {
    const path = `/api/v1/${projectKey}/users/smuggled@example.com`;
    const cases = [
      // Content-Length and Transfer-Encoding together.
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      // Two different Content-Lengths.
      `DELETE ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
      // A control character and a space in the request target.
      `DELETE /api/v1/${projectKey}/users/a\x01b HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\n\r\n`,
      `DELETE /api/v1/${projectKey}/users/a b HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\n\r\n`,
      // A header line without a colon, a bare LF, garbage.
      `GET /api/v1/${projectKey}/jobs HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n`,
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", // a TLS ClientHello on the plain port
      "NOT HTTP AT ALL\r\n\r\n",
      `GET /api/v1/${projectKey}/jobs HTTP/9.9\r\nHost: x\r\n\r\n`,
    ];
    for (const request of cases) {
      const answer = await rawHttp(server.port, [request], { timeoutMs: 20_000 });
      expect(answer.status, JSON.stringify(request.slice(0, 60))).toBeGreaterThanOrEqual(400);
      expect(answer.status, JSON.stringify(request.slice(0, 60))).toBeLessThan(500);
      expect(answer.closed).toBe(true);
      if (answer.body !== undefined) expectProblem(answer, answer.status, { what: JSON.stringify(request.slice(0, 60)) });
    }
    expect(await server.store.listJobs(projectId, {})).toEqual([]);
  });

  it("a method that is not an operation answers 405 (or 400 for one HTTP does not know)", async () => {
    for (const method of ["PUT", "POST", "PATCH"]) {
      const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { method, headers: { authorization: key } });
      expectProblem(answer, 405, { what: method });
    }
    const unknown = await rawHttp(server.port, [`FOO /api/v1/${projectKey}/jobs HTTP/1.1\r\nHost: x\r\n\r\n`], { timeoutMs: 20_000 });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.status).toBeLessThan(500);
  });

  it("the HTTP server has header and request timeouts, checked every second", () => {
    expect(server.server.headersTimeout).toBe(TIMEOUTS.headersMs);
    expect(server.server.requestTimeout).toBe(TIMEOUTS.requestMs);
    expect(TIMEOUTS.headersMs).toBeLessThanOrEqual(10_000);
    expect(TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
    // Node checks them only every connectionsCheckingInterval (30 s unless set).
    expect(TIMEOUTS.checkEveryMs).toBeLessThanOrEqual(1_000);
  });

  it(
    "a slow client (headers or body dribbled a byte a second) gets 408 with a problem body and is disconnected; others are served meanwhile",
    async () => {
      const slowHeaders = rawHttp(server.port, [head(`/api/v1/${projectKey}/jobs`), ...Array.from({ length: 60 }, () => "X")], {
        gapMs: 1000,
        timeoutMs: TIMEOUTS.headersMs + 15_000,
      });
      const slowBody = rawHttp(
        server.port,
        [
          `DELETE /api/v1/${projectKey}/users/slow@example.com HTTP/1.1\r\nHost: x\r\nAuthorization: ${key}\r\nContent-Length: 500\r\n\r\n`,
          ...Array.from({ length: 60 }, () => "x"),
        ],
        { gapMs: 1000, timeoutMs: TIMEOUTS.requestMs + 15_000 },
      );
      // Meanwhile the server answers everyone else.
      const meanwhile = await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { headers: { authorization: key }, timeoutMs: 20_000 });
      expect(meanwhile.status).toBe(200);
      const [headers, body] = await Promise.all([slowHeaders, slowBody]);
      for (const answer of [headers, body]) {
        expect(answer.closed).toBe(true);
        expectProblem(answer, 408);
      }
      expect(await server.store.listJobs(projectId, {})).toEqual([]);
    },
    TIMEOUTS.requestMs + 30_000,
  );

  it("hundreds of idle connections do not keep the server from answering", async () => {
    const { connect } = await import("node:net");
    const sockets = Array.from({ length: 300 }, () => connect(server.port, "127.0.0.1").on("error", () => {}));
    try {
      const answer = await httpRequest(server.url, `/api/v1/${projectKey}/jobs`, { headers: { authorization: key }, timeoutMs: 20_000 });
      expect(answer.status).toBe(200);
    } finally {
      sockets.forEach((socket) => socket.destroy());
    }
  });
});
