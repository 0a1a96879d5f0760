// Temporary folders for tests, under os.tmpdir(), each removed when what made it is done with it,
// so that runs leave nothing behind (test/support/temp.test.ts proves it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aroundAll, onTestFinished, TestRunner } from "vitest";

/** Folders made outside a test (a describe body, a beforeAll), removed after the file's tests. */
const madeOutsideTests = new Set<string>();

// Registered on the test file that imports this module (vitest imports each file's modules afresh),
// before the file's own hooks, so it wraps them all: the folders go after every afterAll hook has
// stopped the servers and child processes that write there, even when one of those hooks failed
// (a failing afterAll makes vitest skip the file's remaining afterAll hooks, not this).
aroundAll(async (runSuite) => {
  try {
    await runSuite();
  } finally {
    for (const folder of madeOutsideTests) rmSync(folder, { recursive: true, force: true });
    madeOutsideTests.clear();
  }
});

/**
 * A new, empty folder under os.tmpdir() named `<prefix>XXXXXX`. Made in a test (or its beforeEach):
 * removed when that test finishes (onTestFinished: after its afterEach hooks, whether it passed or
 * not). Made outside a test (a describe body, a beforeAll): removed after the file's tests and
 * hooks (an afterAll called from a beforeAll would be registered too late to run). A child process
 * writing there must have exited by then: await its exit in the test, or in an afterAll.
 */
export function temporaryFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  if (TestRunner.getCurrentTest()) onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
  else madeOutsideTests.add(folder);
  return folder;
}
