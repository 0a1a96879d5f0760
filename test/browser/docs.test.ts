// The HTML docs (`npm run docs`: scripts/docs.mjs, redocly build-docs --inlineBundle with
// docs-template.hbs) are one self-contained file that Redoc renders in a real browser (Debian
// Chromium through playwright-core, 1280x800). The docs are built into a temporary directory and
// served by a tiny node:http server on a free port; every request the page attempts is recorded.
// Screenshots of the overview and of every operation (and of its samples in each language) go to
// out/docs-screenshots/ for a person to look at.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locator, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_SCRIPTS } from "../../client/contract/test-mode.js";
import { launchChromium, skipWithoutChromium, type LaunchedChromium } from "../support/chromium.js";
import { ROOT } from "../support/redocly.js";

interface Operation {
  tag: string;
  operationId: string;
  summary: string;
}

type Json = Record<string, any>;
const SPEC: Json = JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
const OPERATIONS: Operation[] = Object.values(SPEC.paths as Json).flatMap((item: Json) =>
  ["get", "put", "post", "delete", "patch"]
    .filter((method) => item[method])
    .map((method) => ({ tag: item[method].tags[0], operationId: item[method].operationId, summary: item[method].summary })),
);
const TAGS: string[] = (SPEC.tags as Json[]).map((t) => t.name);
/** The x-codeSamples languages, and a line each language's sample must show. */
const SAMPLE_LANGUAGES = [
  { lang: "curl", marker: /^curl /m },
  { lang: "TypeScript", marker: /createJobsClient/ },
  { lang: "Python", marker: /^import openreplay_jobs_api/m },
  { lang: "Go", marker: /^package main/m },
] as const;
const SCREENSHOTS = join(ROOT, "out", "docs-screenshots");
const NOT_FOUND = "No page at this address";

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

/** `npm run docs` into `output`: its exit code and everything it printed. */
function buildDocs(output: string): Promise<{ code: number; printed: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [join(ROOT, "scripts", "docs.mjs"), "--output", output],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error: (Error & { code?: string | number | null }) | null, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: typeof error?.code === "number" ? error.code : 0, printed: `${stdout}${stderr}` });
      },
    );
  });
}

describe.skipIf(skipWithoutChromium())("the HTML docs built by npm run docs", { tags: ["chromium"] }, () => {
  let dir: string;
  let html: string;
  let printed: string;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "docs-"));
    const output = join(dir, "index.html");
    const built = await buildDocs(output);
    expect(built.code, built.printed).toBe(0);
    printed = built.printed;
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
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("prints no warning while it builds, only what it wrote", () => {
    expect(printed).not.toMatch(/╔|warn|deprecat|error/i);
    expect(printed).toMatch(/bundled successfully/);
  });

  it("says once, before the rest of the overview, where the samples' packages come from; its contact links nowhere made up", () => {
    const description = SPEC.info.description as string;
    const paragraph = description.split("\n\n").find((p) => p.includes("npm run clients"));
    expect(paragraph).toBeDefined();
    for (const words of ["openreplay-jobs-api", "npm run release", "openreplay_jobs_api", "npm run clients"])
      expect(paragraph).toContain(words);
    expect(description.split("\n\n").indexOf(paragraph!)).toBe(1); // right after what the API does
    expect(description.split("npm run clients").length - 1).toBe(1);
    expect(SPEC.info.contact?.url ?? "").not.toMatch(/example\.(com|org|net)/);
    expect(html).not.toContain("openreplay.example.com/support");
  });

  it("is one file that loads no script, stylesheet or font from elsewhere", () => {
    expect(html.match(/<script[^>]+\bsrc=[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/<link[^>]+\bhref=["']?(https?:)?\/\/[^>]*>/gi) ?? []).toEqual([]);
    expect(html.match(/@import\s+(url\()?["']?(https?:)?\/\/[^;]*/gi) ?? []).toEqual([]);
    // scripts/docs.mjs replaced Redoc's logo, which it would fetch from cdn.redoc.ly.
    expect(html).not.toContain("https://cdn.redoc.ly/");
    // docs-template.hbs's policy: images, fonts, styles and scripts only from the page itself.
    const policy = html.match(/<meta http-equiv="Content-Security-Policy"\s+content="([^"]*)"/)?.[1];
    expect(policy, "the Content-Security-Policy of docs-template.hbs (redocly.yaml openapi.htmlTemplate)").toBeDefined();
    for (const directive of ["img-src 'self' data: blob:", "font-src 'self' data:", "script-src 'self' 'unsafe-inline'"]) {
      expect(policy).toContain(directive);
    }
  });

  describe("in Chromium at 1280x800", () => {
    let chromium: LaunchedChromium;
    const requests: Request[] = [];
    /** Requests that reached the network stack. */
    const sent: string[] = [];
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      chromium = await launchChromium({ contextOptions: { serviceWorkers: "block", viewport: { width: 1280, height: 800 } } });
      const { context } = chromium;
      context.on("request", (request) => requests.push(request));
      // Safety net: whatever is not for 127.0.0.1 is recorded and aborted, so it never leaves.
      await context.route("**/*", async (route) => {
        const url = route.request().url();
        sent.push(url);
        if (isLocal(url)) await route.continue();
        else await route.abort("blockedbyclient");
      });
      // Every page starts as a first visit: Redoc keeps the language, the response tab and the
      // like in the browser's storage, and one test's clicks must not set up the next one.
      // From the first node on, remember whether Redoc's 404 page was ever in the page, and the
      // address when the document was parsed (before Redoc started).
      await context.addInitScript((notFound: string) => {
        window.localStorage.clear();
        window.sessionStorage.clear();
        const w = window as unknown as { __saw404: boolean; __hashAtReady: string };
        w.__saw404 = false;
        new MutationObserver(() => {
          if (w.__saw404) return;
          // Not body.textContent: the inline Redoc bundle holds the same words.
          const page404 = document.querySelector(".not-found-page");
          const titles = [...document.querySelectorAll("h1")];
          if (page404 || titles.some((e) => e.textContent?.trim() === notFound)) w.__saw404 = true;
        }).observe(document, { childList: true, subtree: true, characterData: true });
        document.addEventListener("DOMContentLoaded", () => (w.__hashAtReady = window.location.hash));
      }, NOT_FOUND);
    });

    afterAll(async () => {
      await chromium?.close();
    });

    /** A fresh page, its console errors and page errors recorded. */
    async function newPage(): Promise<Page> {
      const page = await chromium.context.newPage();
      page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${String(error)}`));
      page.on("websocket", (socket) => sent.push(socket.url()));
      return page;
    }

    /** Whether Redoc's 404 text is shown now (no document yet counts as not shown). */
    function shows404(page: Page): Promise<boolean> {
      return page.evaluate((text) => document.body?.innerText.includes(text) ?? false, NOT_FOUND).catch(() => false);
    }

    /**
     * Opens `#hash` in a fresh page and checks, right after the document is parsed, once it has
     * loaded and once `ready` is visible, that Redoc's 404 page is not shown; then that it was never
     * in the page at all (the init script's observer). Returns the page and the route it shows.
     */
    async function openDeepLink(hash: string, ready: (page: Page) => Locator): Promise<{ page: Page; route: string }> {
      const page = await newPage();
      const shown: string[] = [];
      const look = async (moment: string) => {
        if (await shows404(page)) shown.push(moment);
      };
      await page.goto(`${origin}/#${hash}`, { waitUntil: "commit" });
      await page.waitForLoadState("domcontentloaded");
      await look("when the document was parsed");
      await page.waitForLoadState("load");
      await look("on load");
      await ready(page).waitFor({ state: "visible", timeout: 60_000 });
      await look("once the heading was visible");
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      await look("two frames later");
      expect(shown, `Redoc's "${NOT_FOUND}" page was shown for #${hash}`).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __saw404: boolean }).__saw404), `#${hash} drew the 404 page`).toBe(false);
      return { page, route: new URL(page.url()).hash.replace(/^#/, "") };
    }

    /** The visible heading whose text is exactly `text` (Redoc puts a deep-link icon before it). */
    function heading(page: Page, text: string): Locator {
      return page
        .getByRole("heading")
        .filter({ hasText: exactly(text), visible: true })
        .first();
    }

    /** The sidebar entry of a tag or an operation (an operation entry ends with its method). */
    function menuItem(page: Page, text: string): Locator {
      return page
        .getByTestId("menu-item-label")
        .filter({ hasText: new RegExp(`^${escapeRegExp(text)}\\s*(get|put|post|delete|patch)?$`, "i") })
        .first();
    }

    /** Problems that make a code block hard to read: a line past its edge, text under its buttons. */
    function unreadable(pre: Locator): Promise<string[]> {
      return pre.evaluate((element) => {
        const problems: string[] = [];
        if (element.scrollWidth > element.clientWidth + 1) {
          problems.push(`a line runs past the edge (scrollWidth ${element.scrollWidth} > clientWidth ${element.clientWidth})`);
        }
        const block = element.closest('[data-component-name="CodeBlock/CodeBlock"]') ?? element.parentElement!;
        const buttons = [...block.querySelectorAll("button")]
          .filter((b) => !element.contains(b))
          .map((b) => b.getBoundingClientRect())
          .filter((r) => r.width > 0 && r.height > 0);
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent?.trim()) continue;
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) {
            for (const b of buttons) {
              const overlaps = r.left < b.right - 1 && r.right > b.left + 1 && r.top < b.bottom - 1 && r.bottom > b.top + 1;
              if (overlaps) problems.push(`"${node.textContent.trim().slice(0, 40)}" lies under a button`);
            }
          }
        }
        return problems;
      });
    }

    /** Text that still holds Markdown (backticks, **, [](...)) outside code: written where Redoc shows plain text. */
    function rawMarkdown(page: Page): Promise<string[]> {
      return page.evaluate(() => {
        const found: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? "";
          if (!/`|\*\*|\]\(/.test(text) || node.parentElement?.closest("pre, code, script, style")) continue;
          found.push(text.trim().slice(0, 120));
        }
        return found;
      });
    }

    it("shows the overview without Redoc's badge, and saves out/docs-screenshots/overview.png", async () => {
      const { page } = await openDeepLink("", (p) => heading(p, `${SPEC.info.title} (${SPEC.info.version})`));
      expect(
        await page
          .getByText(/API docs by/)
          .filter({ visible: true })
          .count(),
      ).toBe(0);
      expect(await rawMarkdown(page)).toEqual([]);
      // Where the samples' packages come from: on the first screen, without scrolling.
      const origin = page.getByText(/Where the code samples come from/).first();
      await origin.waitFor({ state: "visible" });
      const box = await origin.boundingBox();
      expect(box && box.y + box.height).toBeLessThan(800);
      // The introduction ends with the test-mode table (scripts/lib/reference-intro.mjs), rendered as tables.
      for (const script of JOB_SCRIPTS) expect(await page.locator("td code", { hasText: script.userId }).count(), script.userId).toBe(1);
      expect(await page.locator("td code", { hasText: "code=429" }).count()).toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, "overview.png") });
      await page.close();
    });

    it.each(TAGS)("opens #tag/%s without Redoc's 404 page", async (tag) => {
      const { page, route } = await openDeepLink(`tag/${tag}`, (p) => heading(p, tag));
      expect(route).toMatch(/^\/[a-z0-9-]+$/);
      await page.close();
    });

    describe.each(OPERATIONS)("operation $operationId", ({ tag, operationId, summary }) => {
      it(`opens #tag/${tag}/operation/${operationId} without Redoc's 404 page`, async () => {
        const { page } = await openDeepLink(`tag/${tag}/operation/${operationId}`, (p) => heading(p, summary));
        await page.close();
      });

      it(`opens #operation/${operationId} without Redoc's 404 page, with readable samples in every language`, async () => {
        const { page, route } = await openDeepLink(`operation/${operationId}`, (p) => heading(p, summary));
        expect(route).toMatch(/^\/[a-z0-9-]+\/[a-z0-9-]+$/);
        expect(await page.evaluate(() => (window as unknown as { __hashAtReady: string }).__hashAtReady)).toBe(`#${route}`);
        expect(await heading(page, summary).evaluate((e) => e.tagName)).toMatch(/^H[1-3]$/);
        await menuItem(page, summary).waitFor({ state: "visible", timeout: 60_000 });

        const section = page.locator(`[data-section-id="${route}"]`);
        const panel = section.locator(".panel-request-samples").first();
        const sample = panel.locator("pre").first();
        for (const [i, { lang, marker }] of SAMPLE_LANGUAGES.entries()) {
          // The language menu's trigger shows the language picked (in any operation) last.
          const trigger = panel
            .getByTestId("dropdown")
            .filter({ hasText: new RegExp(`^(${SAMPLE_LANGUAGES.map((l) => l.lang).join("|")})$`) });
          if ((await trigger.innerText()).trim() !== lang) {
            await trigger.click();
            await page
              .getByRole("menuitem")
              .filter({ hasText: exactly(lang), visible: true })
              .first()
              .click();
          }
          await expect.poll(() => sample.innerText(), { timeout: 60_000 }).toMatch(marker);
          expect(await unreadable(sample), `${operationId}'s ${lang} sample`).toEqual([]);
          if (i === 0) await page.screenshot({ path: join(SCREENSHOTS, `${operationId}.png`) });
          await panel.screenshot({ path: join(SCREENSHOTS, `${operationId}-${lang}.png`) });
        }
        for (const json of await section.locator(".panel-response-samples pre").all()) {
          if (await json.isVisible()) expect(await unreadable(json), `${operationId}'s example answer`).toEqual([]);
        }
        await page.close();
      });

      it(`shows ${operationId}'s answers and examples with their Markdown rendered`, async () => {
        const { page, route } = await openDeepLink(`operation/${operationId}`, (p) => heading(p, summary));
        const section = page.locator(`[data-section-id="${route}"]`);
        const found = new Set(await rawMarkdown(page));
        // Every response tab (status codes) and every menu in it (examples, media types).
        const tabs = section.getByRole("button").filter({ hasText: /^\s*(\d{3}|default)\s*$/, visible: true });
        for (const tab of await tabs.all()) {
          await tab.click();
          for (const menu of await section.getByTestId("dropdown").filter({ visible: true }).all()) {
            await menu.click();
            for (const text of await rawMarkdown(page)) found.add(text);
            await page.keyboard.press("Escape");
          }
          for (const text of await rawMarkdown(page)) found.add(text);
        }
        expect([...found]).toEqual([]);
        await page.close();
      });
    });

    it("shows getJob's first example, job 3457 (referenceId shekar@example.com, scheduled), in its example panel", async () => {
      const { page } = await openDeepLink("operation/getJob", (p) => heading(p, "Get one job"));
      const panel = page.getByTestId("json-viewer").filter({ hasText: "3457", visible: true }).first();
      await panel.waitFor({ state: "visible", timeout: 60_000 });
      const text = await panel.innerText();
      expect(text).toMatch(/"?jobId"?\s*:\s*3457\b/);
      expect(text).toMatch(/"?referenceId"?\s*:\s*"shekar@example\.com"/);
      expect(text).toMatch(/"?status"?\s*:\s*"scheduled"/);
      await page.close();
    });

    it("shows listJobs' first example (jobs 3453 to 3457, one in each status) in its example panel", async () => {
      const { page } = await openDeepLink("operation/listJobs", (p) => heading(p, "List the jobs of a project"));
      const panel = page.getByTestId("json-viewer").filter({ hasText: "3456", visible: true }).first();
      await panel.waitFor({ state: "visible", timeout: 60_000 });
      const text = await panel.innerText();
      for (const jobId of [3453, 3454, 3455, 3456, 3457]) expect(text).toMatch(new RegExp(`"?jobId"?\\s*:\\s*${jobId}\\b`));
      expect(text).toContain("noor@example.com");
      await page.close();
    });

    it("raises no error and logs none to the console, on any page opened above", () => {
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
    });

    it("sends no request beyond 127.0.0.1, and attempts none", () => {
      expect(requests.length).toBeGreaterThan(0);
      expect(sent.filter((url) => !isLocal(url))).toEqual([]);
      expect(requests.map((r) => r.url()).filter((url) => !isLocal(url))).toEqual([]);
    });
  });
});
