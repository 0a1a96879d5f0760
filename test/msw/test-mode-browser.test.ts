// Test mode in a browser: a small page (test/msw/test-mode-page.ts) on the stateful MSW handlers in
// MSW's service worker, in Chromium, follows a fail@test.example job to `failed` and shows its
// errors, as the table (client/contract/test-mode.ts) scripts it. A screenshot of the end goes to
// out/test-mode-screenshots/failed.png.
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobScriptOf } from "../../client/contract/test-mode.js";
import { buildBrowserClient } from "../support/browser-client.js";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { ROOT } from "../support/cli.js";

const WORKER_SCRIPT = createRequire(import.meta.url).resolve("msw/mockServiceWorker.js");
const SCREENSHOTS = join(ROOT, "out", "test-mode-screenshots");
const script = jobScriptOf("fail@test.example")!;

let server: Server;
let origin: string;
let chromium: LaunchedChromium | undefined;

beforeAll(async () => {
  const { code } = await buildBrowserClient({ entryPoint: "test/msw/test-mode-page.ts" });
  const files: Record<string, [string, string]> = {
    "/": ["text/html", '<!doctype html><meta charset="utf-8"><title>Test mode</title><script type="module" src="/page.js"></script>'],
    "/page.js": ["text/javascript", code],
    "/mockServiceWorker.js": ["text/javascript", readFileSync(WORKER_SCRIPT, "utf8")],
  };
  server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname];
    if (file) response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`; // a secure context, as service workers need
}, 120_000);

afterAll(async () => {
  await chromium?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

describe.skipIf(skipWithoutChromium())("test mode in Chromium, through MSW's service worker", () => {
  it("a page follows a fail@test.example job to failed and shows its errors", async () => {
    chromium = await launchChromium();
    const page = await chromium.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.mswStarted === true || window.mswError !== undefined, undefined, { timeout: 60_000 });
    expect(await page.evaluate(() => window.mswError)).toBeUndefined();

    await page.getByRole("button", { name: "Delete" }).click();
    await page.waitForFunction(() => document.getElementById("status")?.textContent === "failed", undefined, { timeout: 60_000 });
    const alert = page.getByRole("alert");
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toBe(`The deletion failed: ${script.errors}`);
    // What the page saw, in the documented order (a poll may miss the short `running`).
    const seen = (await page.locator("#history li").allTextContents()) as Array<(typeof script.statuses)[number]>;
    expect(seen[0]).toBe("scheduled");
    expect(seen.at(-1)).toBe("failed");
    expect(seen.every((status, i) => i === 0 || script.statuses.indexOf(status) > script.statuses.indexOf(seen[i - 1]!))).toBe(true);
    expect(errors).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "failed.png") });
    await page.close();
  });
});
