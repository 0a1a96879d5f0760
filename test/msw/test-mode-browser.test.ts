// Test mode in a browser: a small page (test/msw/test-mode-page.ts) on the stateful MSW handlers in
// MSW's service worker, in Chromium, follows a fail@test.example job to `failed` and shows its
// errors, as the table (client/contract/test-mode.ts) scripts it. A screenshot of the end goes to
// out/test-mode-screenshots/failed.png.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobScriptOf } from "../../client/contract/test-mode.js";
import { mswPageInChromium } from "../support/msw-page.js";
import { skipWithoutChromium } from "../support/chromium.js";
import { ROOT } from "../support/cli.js";

const SCREENSHOTS = join(ROOT, "out", "test-mode-screenshots");
const script = jobScriptOf("fail@test.example")!;

const msw = mswPageInChromium("test/msw/test-mode-page.ts", "Test mode");

describe.skipIf(skipWithoutChromium())("test mode in Chromium, through MSW's service worker", () => {
  it("a page follows a fail@test.example job to failed and shows its errors", async () => {
    const { page, errors } = await msw.open();

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
