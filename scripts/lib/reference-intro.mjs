// The reference page's introduction (`npm run docs`): the spec's info.description, followed by the
// test-mode table that `npm run docs:test-mode` writes into docs/frontend.md from
// client/contract/test-mode.ts, so the page and the guide show the same table
// (test/docs/test-mode.test.ts checks both against the table).

/** docs/frontend.md's generated test-mode block (between its begin and end markers). */
export function testModeBlock(guide) {
  const begin = guide.indexOf("<!-- test-mode:begin");
  const end = guide.indexOf("<!-- test-mode:end -->");
  if (begin < 0 || end < begin) throw new Error("docs/frontend.md has no test-mode section: run npm run docs:test-mode");
  return guide.slice(guide.indexOf("\n", begin) + 1, end).trim();
}

/** info.description with the test-mode section after it. */
export function referenceDescription(description, guide) {
  return [
    description.trimEnd(),
    "**Test mode.** The sandbox (`jobs-api sandbox`) and the stateful MSW handlers (`openreplay-jobs-api/msw`) " +
      "produce every state and failure on purpose: a userId scripts the job's life, and `Prefer` shapes one answer " +
      "(`code=429` as on the Prism mock). A production server (`jobs-api serve`) ignores both.",
    testModeBlock(guide),
  ].join("\n\n");
}
