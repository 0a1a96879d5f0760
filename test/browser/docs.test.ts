// The HTML docs (`npm run docs`: redocly build-docs --inlineBundle) are one self-contained file
// that Redoc renders in a real browser (Debian Chromium through playwright-core) without any
// request leaving 127.0.0.1. The docs are built into a temporary directory and served by a tiny
// node:http server on a free port; every request the page attempts is recorded.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { runRedocly } from "../support/redocly.js";

const OPERATIONS = [
  { tag: "Jobs", operationId: "listJobs", summary: "List the jobs of a project" },
  { tag: "Jobs", operationId: "getJob", summary: "Get one job" },
  { tag: "Jobs", operationId: "cancelJob", summary: "Cancel a job" },
  { tag: "Users", operationId: "deleteUserData", summary: "Delete a user's data" },
] as const;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function exactly(text: string): RegExp {
  return new RegExp(`^${escapeRegExp(text)}$`);
}

function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === "data:" || protocol === "blob:" || protocol === "about:") return true;
  return hostname === "127.0.0.1";
}

describe.skipIf(skipWithoutChromium())("the HTML docs built with redocly build-docs --inlineBundle", { tags: ["chromium"] }, () => {
  let dir: string;
  let html: string;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "docs-"));
    const output = join(dir, "index.html");
    // The same command as `npm run docs`, into a temporary file (run from the package root, where
    // redocly.yaml and its htmlTemplate are).
    const built = await runRedocly(["build-docs", "openapi.yaml", `--output=${output}`, "--inlineBundle"]);
    expect(built.code, built.stderr).toBe(0);
    html = readFileSync(output, "utf8");
    server = createServer((request, response) => {
      if (request.url === "/" || request.url === "/index.html") {
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(html);
      } else {
        response.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is one file that loads no script, stylesheet or font from elsewhere", () => {
    expect(html.match(/<script[^>]+\bsrc=[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/<link[^>]+\bhref=["']?(https?:)?\/\/[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/@import\s+(url\()?["']?(https?:)?\/\/[^;]*/gi) ?? []).toEqual([]);
    // docs-template.hbs's policy: images, fonts, styles and scripts only from the page itself.
    const policy = html.match(/<meta http-equiv="Content-Security-Policy"\s+content="([^"]*)"/)?.[1];
    expect(policy, "the Content-Security-Policy of docs-template.hbs (redocly.yaml openapi.htmlTemplate)").toBeDefined();
    for (const directive of ["img-src 'self' data: blob:", "font-src 'self' data:", "script-src 'self' 'unsafe-inline'"]) {
      expect(policy).toContain(directive);
    }
  });

  describe("in Chromium", () => {
    let chromium: LaunchedChromium;
    let page: Page;
    const requests: Request[] = [];
    /** Requests that reached the network stack (the page's own policy did not stop them). */
    const sent: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      chromium = await launchChromium({ contextOptions: { serviceWorkers: "block" } });
      const { context } = chromium;
      context.on("request", (request) => requests.push(request));
      // Safety net: whatever is not for 127.0.0.1 is recorded and aborted, so it never leaves.
      await context.route("**/*", async (route) => {
        const url = route.request().url();
        sent.push(url);
        if (isLocal(url)) await route.continue();
        else await route.abort("blockedbyclient");
      });
      page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      page.on("websocket", (socket) => sent.push(socket.url()));
      await page.goto(`${origin}/`, { waitUntil: "load" });
    });

    afterAll(async () => {
      await chromium?.close();
    });

    /** The sidebar entry of a tag or an operation (an operation entry ends with its method, "get"). */
    function menuItem(text: string) {
      return page
        .getByTestId("menu-item-label")
        .filter({ hasText: new RegExp(`^${escapeRegExp(text)}\\s*(get|put|post|delete|patch)?$`, "i") })
        .first();
    }

    /** The visible heading whose text is exactly `text` (Redoc puts a deep-link icon before it). */
    function heading(text: string) {
      return page.getByRole("heading").filter({ hasText: exactly(text), visible: true }).first();
    }

    /**
     * Opens the operation by its deep link (Redoc's own #tag/…/operation/… route) and waits for
     * Redoc to draw its heading and select it in the sidebar. Not by clicking the sidebar: a tag
     * entry toggles, and under load a click can land while Redoc is still expanding it.
     */
    async function openOperation(tag: string, summary: string): Promise<void> {
      const operation = OPERATIONS.find((o) => o.summary === summary && o.tag === tag)!;
      await page.evaluate((hash) => (window.location.hash = hash), `tag/${tag}/operation/${operation.operationId}`);
      await heading(summary).waitFor({ state: "visible", timeout: 60_000 });
      await menuItem(summary).waitFor({ state: "visible", timeout: 60_000 });
    }

    it.each(OPERATIONS)("renders operation \"$summary\" as a heading and in the sidebar", async ({ tag, summary }) => {
      await openOperation(tag, summary);
      expect(await heading(summary).evaluate((e) => e.tagName)).toMatch(/^H[1-3]$/);
      expect(await menuItem(summary).isVisible()).toBe(true);
      // The static page holds only the overview: the operation was rendered by Redoc in the page.
      expect(html.match(new RegExp(`<h[1-6][^>]*>.*?${summary.replace(/'/g, "(&#x27;|&#39;|')")}</h[1-6]>`))?.[0]).toBeUndefined();
    });

    it("shows the document's job 3451 (referenceId mehdi@openreplay.com) in getJob's example panel", async () => {
      await openOperation("Jobs", "Get one job");
      const panel = page.getByTestId("json-viewer").filter({ hasText: "mehdi@openreplay.com", visible: true }).first();
      await panel.waitFor({ state: "visible", timeout: 60_000 });
      const text = await panel.innerText();
      expect(text).toMatch(/"?jobId"?\s*:\s*3451\b/);
      expect(text).toMatch(/"?referenceId"?\s*:\s*"mehdi@openreplay\.com"/);
      expect(text).toMatch(/"?status"?\s*:\s*"scheduled"/);
    });

    it("shows the document's list (jobs 3451 and 3452) in listJobs' example panel", async () => {
      await openOperation("Jobs", "List the jobs of a project");
      const panel = page.getByTestId("json-viewer").filter({ hasText: "3452", visible: true }).first();
      await panel.waitFor({ state: "visible", timeout: 60_000 });
      const text = await panel.innerText();
      expect(text).toMatch(/"?jobId"?\s*:\s*3451\b/);
      expect(text).toMatch(/"?jobId"?\s*:\s*3452\b/);
      expect(text).toContain("mehdi@openreplay.com");
    });

    it("raises no error in the page", () => {
      expect(pageErrors).toEqual([]);
    });

    it("sends no request beyond 127.0.0.1 (anything else is stopped by the page's own policy)", async () => {
      expect(requests.length).toBeGreaterThan(0);
      expect(sent.filter((url) => !isLocal(url))).toEqual([]);
      // Redoc still creates its "API docs by Redocly" logo <img> (cdn.redoc.ly); the template's
      // Content-Security-Policy stops it inside the browser, before any network activity.
      const elsewhere = requests.filter((r) => !isLocal(r.url()));
      await Promise.all(elsewhere.map((r) => r.response()));
      expect(elsewhere.map((r) => `${r.url()} ${r.failure()?.errorText ?? "(not stopped)"}`)).toEqual(
        elsewhere.map((r) => `${r.url()} csp`),
      );
    });
  });
});
