// CORS, proven by a real browser: headless Chromium loads a page from another local origin (a
// tiny node:http server serving an HTML page and the esbuild-bundled client) and from there
// calls the Prism mock and the real server (started with corsOrigins = [that page's origin]),
// sending the key in `Authorization`, so every call needs a CORS preflight. The preflights are
// observed twice: by the server itself (every request it receives and what it answered) and in
// the browser through the DevTools protocol (which also sees the mock's). A page from an origin
// that is not in CORS_ORIGINS must get a CORS failure, and its key must never reach the server.
//
// No playwright route() here: when requests are intercepted, Playwright answers preflights itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../server/store/types.js";
import { bundleClientForBrowser } from "../support/browser-client.js";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { databases, seedTenant } from "../support/databases.js";
import { type RunningMock, startMock } from "../support/mock.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { insertJob } from "../../server/store/fixtures.js";
import { jobData } from "../support/jobs.js";
import { DOCUMENT_PROJECT_KEY } from "../support/document.js";

const MOCK_PROJECT_KEY = DOCUMENT_PROJECT_KEY;

// The page's code: the bundled client, used as a frontend would. Each scenario returns plain JSON.
const PAGE_SCRIPT = `
import { createJobsClient } from "/client.js";

window.scenarios = {
  async mock(baseUrl, projectKey) {
    const client = createJobsClient({ baseUrl, apiKey: "browser-key" });
    const list = await client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } });
    return { status: list.response.status, body: list.data, link: list.response.headers.get("Link") };
  },

  async server(baseUrl, projectKey, apiKey) {
    const urls = [];
    const client = createJobsClient({
      baseUrl,
      apiKey,
      fetch: (request) => { urls.push(request.url); return fetch(request); },
    });
    const path = { projectKey };
    const page = await client.GET("/api/v1/{projectKey}/jobs", { params: { path, query: { limit: 2 } } });
    const firstPage = { status: page.response.status, ids: page.data.data.map((j) => j.jobId), link: page.response.headers.get("Link") };

    urls.length = 0;
    const all = [];
    for await (const job of client.listAllJobs(projectKey, { pageSize: 2 })) all.push(job.jobId);
    const listAll = { ids: all, urls: [...urls] };

    const scheduled = await client.DELETE("/api/v1/{projectKey}/users/{userId}", {
      params: { path: { projectKey, userId: "browser@example.com" } },
    });
    const jobId = scheduled.data.data.jobId;
    const cancelled = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });
    const again = await client.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey, jobId } } });

    const wrong = await createJobsClient({ baseUrl, apiKey: "ork_thisisnotakeyofanyorganization0" })
      .GET("/api/v1/{projectKey}/jobs", { params: { path } });
    const noKey = await client.GET("/api/v1/{projectKey}/jobs", { params: { path }, headers: { Authorization: null } });

    return {
      firstPage,
      listAll,
      scheduled: { status: scheduled.response.status, job: scheduled.data.data },
      cancelled: { status: cancelled.response.status, jobStatus: cancelled.data?.data.status },
      again: { status: again.response.status, contentType: again.response.headers.get("Content-Type"), problem: again.error },
      wrongKey: { status: wrong.response.status, contentType: wrong.response.headers.get("Content-Type"), problem: wrong.error },
      noKey: { status: noKey.response.status, problem: noKey.error },
    };
  },

  async blocked(baseUrl, projectKey, apiKey) {
    const outcome = async (call) => {
      try {
        const result = await call();
        return { rejected: false, status: result.status ?? result.response?.status };
      } catch (error) {
        return { rejected: true, typeError: error instanceof TypeError, name: error.name, message: String(error.message) };
      }
    };
    const client = createJobsClient({ baseUrl, apiKey });
    return {
      // Authorization makes it a preflighted request: the preflight is refused, the GET never sent.
      withKey: await outcome(() => client.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey } } })),
      // Without custom headers it is a "simple" request: sent, answered, but unreadable here.
      simple: await outcome(() => fetch(baseUrl + "/api/v1/" + projectKey + "/jobs")),
    };
  },
};
`;

/** A static server for the page: the HTML, the page's script and the bundled client. */
async function startPageServer(client: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    if (request.url === "/client.js") {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(client);
    } else if (request.url === "/app.js") {
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(PAGE_SCRIPT);
    } else if (request.url === "/") {
      response
        .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
        .end('<!doctype html><title>frontend</title><script type="module" src="/app.js"></script>');
    } else {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What the real server received and answered (observed on its http.Server, not in the browser). */
interface Exchange {
  method: string;
  url: string;
  origin: string | undefined;
  hasAuthorization: boolean;
  requestHeaders: string | undefined; // Access-Control-Request-Headers
  requestMethod: string | undefined; // Access-Control-Request-Method
  status?: number;
  allowOrigin?: string;
  allowHeaders?: string;
  allowMethods?: string;
  exposeHeaders?: string;
}

function recordExchanges(server: Server, into: Exchange[]): void {
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    };
    const exchange: Exchange = {
      method: request.method ?? "",
      url: request.url ?? "",
      origin: header("origin"),
      hasAuthorization: request.headers.authorization !== undefined,
      requestHeaders: header("access-control-request-headers"),
      requestMethod: header("access-control-request-method"),
    };
    into.push(exchange);
    response.once("finish", () => {
      const answered = (name: string) => {
        const value = response.getHeader(name);
        return value === undefined ? undefined : String(value);
      };
      exchange.status = response.statusCode;
      exchange.allowOrigin = answered("access-control-allow-origin");
      exchange.allowHeaders = answered("access-control-allow-headers");
      exchange.allowMethods = answered("access-control-allow-methods");
      exchange.exposeHeaders = answered("access-control-expose-headers");
    });
  });
}

/** A preflight the browser sent, as the DevTools protocol reports it. */
interface Preflight {
  url: string;
  requestHeaders: Record<string, string>;
  status?: number;
  responseHeaders?: Record<string, string>;
}

const lower = (headers: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));

const list = (value: string | undefined): string[] =>
  (value ?? "")
    .toLowerCase()
    .split(/\s*,\s*/)
    .filter(Boolean);

async function watchPreflights(tab: Page): Promise<{ preflights: Preflight[]; cdp: CDPSession }> {
  const cdp = await tab.context().newCDPSession(tab);
  const byId = new Map<string, Preflight>();
  const preflights: Preflight[] = [];
  cdp.on("Network.requestWillBeSent", (event) => {
    if (event.initiator.type !== "preflight") return;
    const preflight: Preflight = { url: event.request.url, requestHeaders: lower(event.request.headers) };
    byId.set(event.requestId, preflight);
    preflights.push(preflight);
  });
  cdp.on("Network.responseReceived", (event) => {
    const preflight = byId.get(event.requestId);
    if (event.type !== "Preflight" || !preflight) return;
    preflight.status = event.response.status;
    preflight.responseHeaders = lower(event.response.headers);
  });
  await cdp.send("Network.enable");
  return { preflights, cdp };
}

describe.skipIf(skipWithoutChromium())("CORS for a browser frontend on another origin (Chromium)", { tags: ["chromium"] }, () => {
  let chromium: LaunchedChromium;
  let mock: RunningMock;
  let server: TestServer;
  let allowedPage: { server: Server; origin: string };
  let otherPage: { server: Server; origin: string };
  const exchanges: Exchange[] = [];
  let apiKey: string;
  let projectKey: string;
  let jobs: Job[];

  beforeAll(async () => {
    const client = await bundleClientForBrowser();
    [allowedPage, otherPage, mock] = await Promise.all([startPageServer(client), startPageServer(client), startMock()]);
    server = await startTestServer(await databases[0]!.url(), { corsOrigins: [allowedPage.origin] });
    recordExchanges(server.server, exchanges);
    const tenant = await seedTenant(server.store, "Browser");
    apiKey = tenant.apiKey;
    projectKey = tenant.project.projectKey;
    jobs = [];
    for (let i = 0; i < 5; i++) {
      jobs.push(
        await insertJob(
          server.store,
          jobData(tenant.project.projectId, "completed", `page-${i}@example.com`, {
            createdAt: server.clock.now - 1000,
            updatedAt: server.clock.now - 1000,
            startAt: server.clock.now - 1000,
          }),
        ),
      );
    }
    chromium = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await mock?.close();
    for (const page of [allowedPage, otherPage]) if (page) await new Promise((resolve) => page.server.close(resolve));
  });

  async function openPage(origin: string): Promise<{ tab: Page; preflights: Preflight[] }> {
    const tab = await chromium.context.newPage();
    const { preflights } = await watchPreflights(tab);
    await tab.goto(`${origin}/`);
    await tab.waitForFunction("typeof window.scenarios === 'object'");
    expect(await tab.evaluate("location.origin")).toBe(origin);
    return { tab, preflights };
  }

  it("the Prism mock answers the preflight (allowing Authorization) and the page reads the document's job list", async () => {
    const { tab, preflights } = await openPage(allowedPage.origin);
    try {
      expect(new URL(mock.url).origin).not.toBe(allowedPage.origin);
      const result = await tab.evaluate(`window.scenarios.mock(${JSON.stringify(mock.url)}, ${JSON.stringify(MOCK_PROJECT_KEY)})`);
      expect(result).toMatchObject({
        status: 200,
        body: {
          data: [
            { jobId: 3453, status: "cancelled" },
            { jobId: 3454, status: "running" },
            { jobId: 3455, status: "completed" },
            { jobId: 3456, status: "failed" },
            { jobId: 3457, status: "scheduled" },
          ],
        },
        link: '</api/v1/3sWXSsqHgSKnE87YkNJK/jobs?limit=2&after=3454>; rel="next"',
      });
      // The browser did preflight the call (DevTools protocol), and the mock allowed Authorization.
      await expect.poll(() => preflights.find((p) => p.url.startsWith(`${mock.url}/`) && p.status !== undefined)).toBeDefined();
      const preflight = preflights.find((p) => p.url.startsWith(`${mock.url}/`))!;
      expect(list(preflight.requestHeaders["access-control-request-headers"])).toContain("authorization");
      expect(preflight.status).toBeGreaterThanOrEqual(200);
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.responseHeaders?.["access-control-allow-origin"]).toBe(allowedPage.origin);
      expect(list(preflight.responseHeaders?.["access-control-allow-headers"])).toContain("authorization");
    } finally {
      await tab.close();
    }
  });

  it("the real server answers the preflights of a page in CORS_ORIGINS, and the page reads answers, Link and problems", async () => {
    const { tab, preflights } = await openPage(allowedPage.origin);
    try {
      const since = exchanges.length;
      const result = await tab.evaluate<Record<string, any>>(
        `window.scenarios.server(${JSON.stringify(server.url)}, ${JSON.stringify(projectKey)}, ${JSON.stringify(apiKey)})`,
      );
      const ids = jobs.map((j) => j.jobId);

      // The Link header is readable from JS (exposed), and listAllJobs follows it across pages.
      expect(result.firstPage).toEqual({
        status: 200,
        ids: ids.slice(0, 2),
        link: `</api/v1/${projectKey}/jobs?limit=2&after=${ids[1]}>; rel="next"`,
      });
      expect(result.listAll.ids).toEqual(ids);
      expect(result.listAll.urls.map((u: string) => new URL(u).search)).toEqual([
        "?limit=2",
        `?limit=2&after=${ids[1]}`,
        `?limit=2&after=${ids[3]}`,
      ]);
      // DELETE passes the preflight too; a 501 problem body is readable.
      expect(result.scheduled).toMatchObject({ status: 200, job: { status: "scheduled", referenceId: "browser@example.com" } });
      expect(result.cancelled).toEqual({ status: 200, jobStatus: "cancelled" });
      expect(result.again).toMatchObject({
        status: 501,
        contentType: expect.stringMatching(/^application\/problem\+json/),
        problem: { type: "urn:problem:jobs-api:job-not-cancellable", status: 501 },
      });
      // A 401 problem body is readable, with a wrong key (preflighted) and with none (a simple request).
      expect(result.wrongKey).toMatchObject({
        status: 401,
        contentType: expect.stringMatching(/^application\/problem\+json/),
        problem: { type: "urn:problem:jobs-api:unauthorized", status: 401, title: "Unauthorized" },
      });
      // The server's detail is prefixed with the route template today ("/api/v1/{projectKey}/jobs
      // Invalid API Key", reported to the lead); the mock and upstream v1 say "Invalid API Key".
      expect(result.wrongKey.problem.detail).toMatch(/Invalid API Key$/);
      expect(result.wrongKey.problem.errors).toEqual([result.wrongKey.problem.detail]);
      expect(result.noKey).toMatchObject({ status: 401, problem: { type: "urn:problem:jobs-api:unauthorized", status: 401 } });

      // Server side: OPTIONS preflights from the page's origin asking for authorization, answered
      // 204 with Allow-Origin = the page and Allow-Headers including Authorization (and DELETE allowed).
      const received = exchanges.slice(since);
      const serverPreflights = received.filter((e) => e.method === "OPTIONS");
      expect(serverPreflights.length).toBeGreaterThan(0);
      for (const preflight of serverPreflights) {
        expect(preflight).toMatchObject({ origin: allowedPage.origin, status: 204, allowOrigin: allowedPage.origin });
        expect(list(preflight.requestHeaders)).toContain("authorization");
        expect(list(preflight.allowHeaders)).toContain("authorization");
        expect(list(preflight.allowMethods)).toEqual(expect.arrayContaining(["get", "delete"]));
      }
      expect(serverPreflights.map((e) => e.requestMethod)).toEqual(expect.arrayContaining(["GET", "DELETE"]));
      // Every real request came from the page's origin, and every answer allowed it and exposed Link.
      for (const exchange of received.filter((e) => e.method !== "OPTIONS")) {
        expect(exchange).toMatchObject({ origin: allowedPage.origin, allowOrigin: allowedPage.origin });
        expect(list(exchange.exposeHeaders)).toContain("link");
      }
      // The browser's own view (DevTools protocol) agrees: it sent preflights to the server.
      await expect.poll(() => preflights.filter((p) => p.url.startsWith(`${server.url}/`) && p.status === 204).length).toBeGreaterThan(0);
    } finally {
      await tab.close();
    }
  });

  it("a page from an origin not in CORS_ORIGINS gets a CORS failure (TypeError), and its key never reaches the server", async () => {
    const { tab } = await openPage(otherPage.origin);
    try {
      expect(otherPage.origin).not.toBe(allowedPage.origin);
      const since = exchanges.length;
      const result = await tab.evaluate(
        `window.scenarios.blocked(${JSON.stringify(server.url)}, ${JSON.stringify(projectKey)}, ${JSON.stringify(apiKey)})`,
      );
      expect(result).toMatchObject({
        withKey: { rejected: true, typeError: true, name: "TypeError" },
        simple: { rejected: true, typeError: true, name: "TypeError" },
      });
      const received = exchanges.slice(since);
      // The preflight arrived and was answered without Access-Control-Allow-Origin ...
      const preflight = received.find((e) => e.method === "OPTIONS");
      expect(preflight).toMatchObject({ origin: otherPage.origin });
      expect(preflight?.allowOrigin).toBeUndefined();
      // ... so the request with the key was never sent; the simple one was, and was not allowed either.
      expect(received.filter((e) => e.hasAuthorization)).toEqual([]);
      const simple = received.filter((e) => e.method === "GET");
      expect(simple).toHaveLength(1);
      expect(simple[0]).toMatchObject({ origin: otherPage.origin, status: 401 });
      expect(simple[0]?.allowOrigin).toBeUndefined();
    } finally {
      await tab.close();
    }
  });
});
