// The notice chromium-reporter.ts prints when the browser suites were skipped for lack of Chromium.
import { describe, expect, it } from "vitest";
import { skippedBrowserNotice } from "../support/chromium-reporter.js";

const outcomes = [
  { tags: ["chromium"], state: "skipped" },
  { tags: ["chromium"], state: "skipped" },
  { tags: ["chromium"], state: "passed" },
  { tags: [], state: "skipped" },
];

describe("the skipped-browser-tests notice", () => {
  it("counts the skipped tests tagged chromium when Chromium is missing outside CI", () => {
    const notice = skippedBrowserNotice(outcomes, { installed: false, ci: false });
    expect(notice).toMatch(/2 browser tests were SKIPPED/);
    expect(notice).toMatch(/apt-get install -y chromium/);
  });

  it("says nothing when Chromium is installed, in CI (the tests fail there instead), or when none was skipped", () => {
    expect(skippedBrowserNotice(outcomes, { installed: true, ci: false })).toBeUndefined();
    expect(skippedBrowserNotice(outcomes, { installed: false, ci: true })).toBeUndefined();
    expect(skippedBrowserNotice(outcomes.slice(2), { installed: false, ci: false })).toBeUndefined();
  });
});
