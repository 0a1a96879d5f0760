// The MSW handlers in Chromium: a page served from http://localhost (a secure context, as service
// workers need) starts msw/browser's service worker with the example-based and the stateful
// handlers, and the typed client gets mocked answers from it: the spec's examples (and Prefer
// scenarios) on one origin, the stateful flow on another; neither origin resolves (.invalid).
//
// mockServiceWorker.js is served straight from the installed msw package rather than committed:
// MSW's docs recommend committing it in an *application* (its public folder); here it is test
// infrastructure, and taking it from node_modules keeps it always the version of the msw installed
// (MSW warns when the worker script and the library differ).
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBrowserClient } from "../support/browser-client.js";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { declared, defaultExample } from "./support.js";

const require = createRequire(import.meta.url);
const WORKER_SCRIPT = require.resolve("msw/mockServiceWorker.js");

let server: Server;
let origin: string;
let chromium: LaunchedChromium | undefined;

beforeAll(async () => {
  const { code } = await buildBrowserClient({ entryPoint: "test/msw/browser-page.ts" });
  const files: Record<string, [string, string]> = {
    "/": ["text/html", '<!doctype html><meta charset="utf-8"><title>MSW</title><script type="module" src="/page.js"></script>'],
    "/page.js": ["text/javascript", code],
    "/mockServiceWorker.js": ["text/javascript", readFileSync(WORKER_SCRIPT, "utf8")],
  };
  server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // localhost, not 127.0.0.1 in the URL: both are secure contexts, localhost is what developers use.
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

async function openPage() {
  chromium ??= await launchChromium();
  const page = await chromium.context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${origin}/`);
  // Wait for the worker to be registered and controlling the page (or for it to fail).
  await page.waitForFunction(() => window.mswStarted === true || window.mswError !== undefined, undefined, { timeout: 60_000 });
  expect(await page.evaluate(() => window.mswError)).toBeUndefined();
  expect(errors).toEqual([]);
  return page;
}

describe.skipIf(skipWithoutChromium())("MSW in Chromium through the service worker", () => {
  it("the example-based handlers answer the spec's examples and Prefer scenarios to the typed client", async () => {
    const page = await openPage();
    const result = await page.evaluate(() => window.runExamples!());
    expect(result.byDefault).toEqual(defaultExample("getJob").body);
    expect(result.completed).toEqual(declared.find((d) => d.example === "completedJob")?.body);
    expect(result.notFound).toEqual({ status: 404, error: declared.find((d) => d.example === "jobNotFound")?.body });
    expect(result.noKey).toEqual({ status: 401, error: declared.find((d) => d.operationId === "getJob" && d.status === "401")?.body });
    expect(result.list).toEqual({ data: defaultExample("listJobs").body, link: defaultExample("listJobs").headers.Link });
    // The page's own origin served the page; the API origins were answered by the worker alone.
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${origin}/mockServiceWorker.js`);
    await page.close();
  });

  it("the stateful handlers run the deletion flow: schedule, list, running, completed, cancel, 501", async () => {
    const page = await openPage();
    const result = await page.evaluate(() => window.runStatefulFlow!());
    expect(result.created).toMatchObject({
      jobId: 1,
      status: "scheduled",
      action: "delete_user_data",
      referenceId: "shekar@example.com",
      description: "Delete user sessions of userId = shekar@example.com",
      errors: null,
    });
    expect(result.sameJobAgain).toBe(true);
    expect(result.thirdJobId).toBe(3);
    expect(result.listed).toEqual([1, 2, 3]);
    expect(result.link).toBe('</api/v1/demo-project/jobs?limit=2&after=2>; rel="next"');
    expect([result.running, result.completed, result.cancelled]).toEqual(["running", "completed", "cancelled"]);
    expect(result.secondCancel).toMatchObject({
      status: 501,
      error: { type: "urn:problem:jobs-api:job-not-cancellable", detail: "Job 2 is cancelled and can no longer be cancelled." },
    });
    expect(result.inStore).toEqual([
      [1, "completed"],
      [2, "cancelled"],
      [3, "scheduled"],
    ]);
    await page.close();
  });
});
