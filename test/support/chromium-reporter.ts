// Vitest reporter: when the browser suites (tag "chromium") were skipped because Chromium is
// missing (outside CI; in CI they fail instead), says so loudly at the end of the run, with the
// count, so a green run without them is never mistaken for a full one.
import type { Reporter, TestModule } from "vitest/node";
import { CHROMIUM_MISSING_MESSAGE, chromiumInstalled } from "./chromium.js";

/** The notice for these tests' outcomes, or undefined when there is nothing to say. */
export function skippedBrowserNotice(
  tests: Iterable<{ tags: readonly string[]; state: string }>,
  environment: { installed: boolean; ci: boolean },
): string | undefined {
  if (environment.installed || environment.ci) return undefined;
  let skipped = 0;
  for (const test of tests) if (test.tags.includes("chromium") && test.state === "skipped") skipped++;
  if (skipped === 0) return undefined;
  const rule = `⚠  ${"=".repeat(96)}`;
  return [
    "",
    rule,
    `⚠  ${skipped} browser test${skipped === 1 ? " was" : "s were"} SKIPPED, not run: this run did not check the docs, CORS or the client in a browser.`,
    `⚠  ${CHROMIUM_MISSING_MESSAGE}`,
    rule,
    "",
  ].join("\n");
}

export default class ChromiumReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const tests = testModules.flatMap((module) =>
      [...module.children.allTests()].map((test) => ({ tags: test.tags, state: test.result().state })),
    );
    const notice = skippedBrowserNotice(tests, { installed: chromiumInstalled(), ci: Boolean(process.env.CI) });
    if (notice !== undefined) console.warn(notice);
  }
}
