// The MSW handlers in Chromium: a page served from http://localhost (test/support/msw-page.ts)
// starts msw/browser's service worker with the example-based and the stateful handlers, and the
// typed client gets mocked answers from it: the spec's examples (and Prefer scenarios) on one
// origin, the stateful flow on another; neither origin resolves (.invalid).
import { describe, expect, it } from "vitest";
import { mswPageInChromium } from "../support/msw-page.js";
import { skipWithoutChromium } from "../support/chromium.js";
import { declared, defaultExample } from "./support.js";

const msw = mswPageInChromium("test/msw/browser-page.ts", "MSW");

async function openPage() {
  const { page, errors } = await msw.open();
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
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${msw.origin}/mockServiceWorker.js`);
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
