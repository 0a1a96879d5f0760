// A page for the MSW browser tests: a test's page script (bundled by esbuild) served from
// http://localhost (a secure context, as service workers need) with MSW's service worker script.
//
// mockServiceWorker.js is served straight from the installed msw package rather than committed:
// MSW's docs recommend committing it in an *application* (its public folder); here it is test
// infrastructure, and taking it from node_modules keeps it always the version of the msw installed
// (MSW warns when the worker script and the library differ).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { buildBrowserClient } from "./browser-client.js";
import { launchChromium, type LaunchedChromium } from "./chromium.js";

const WORKER_SCRIPT = createRequire(import.meta.url).resolve("msw/mockServiceWorker.js");

export interface ServedPage {
  /** http://localhost:PORT: localhost, not 127.0.0.1 (both are secure contexts; developers use localhost). */
  origin: string;
  close(): Promise<void>;
}

/** Serves `entryPoint` (a page script under test/) as /page.js of a page titled `title`. */
export async function serveMswPage(entryPoint: string, title: string): Promise<ServedPage> {
  const { code } = await buildBrowserClient({ entryPoint });
  const files: Record<string, [string, string]> = {
    "/": ["text/html", `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="/page.js"></script>`],
    "/page.js": ["text/javascript", code],
    "/mockServiceWorker.js": ["text/javascript", readFileSync(WORKER_SCRIPT, "utf8")],
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? "/", "http://x").pathname];
    if (file) response.writeHead(200, { "Content-Type": file[0], "Cache-Control": "no-store" }).end(file[1]);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MswPageInChromium {
  /** The page's origin, once served. */
  readonly origin: string;
  /**
   * A new tab on the page, once MSW's worker controls it; `errors` collects the page's uncaught
   * errors (the test expects none at its end).
   */
  open(): Promise<{ page: Page; errors: string[] }>;
}

/** Serves the page for the file's tests (beforeAll) and opens it in Chromium on demand; closes both after. */
export function mswPageInChromium(entryPoint: string, title: string): MswPageInChromium {
  let served: ServedPage | undefined;
  let chromium: LaunchedChromium | undefined;
  beforeAll(async () => {
    served = await serveMswPage(entryPoint, title);
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await served?.close();
  });
  return {
    get origin() {
      if (served === undefined) throw new Error("the page is served in beforeAll");
      return served.origin;
    },
    async open() {
      chromium ??= await launchChromium();
      const page = await chromium.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      await page.goto(`${this.origin}/`);
      // Wait for the worker to be registered and controlling the page (or for it to fail).
      await page.waitForFunction(() => window.mswStarted === true || window.mswError !== undefined, undefined, { timeout: 60_000 });
      expect(await page.evaluate(() => window.mswError)).toBeUndefined();
      return { page, errors };
    },
  };
}
