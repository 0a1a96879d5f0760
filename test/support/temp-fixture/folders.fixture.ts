// Run by test/support/temp.test.ts in a vitest of its own, whose os.tmpdir() is an empty folder
// that must be empty again when the run ends: folders made by temporaryFolder in each place a test
// file makes them, there while they are needed.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { temporaryFolder } from "../temp.js";

const inFileBody = temporaryFolder("file-body-");

describe("temporaryFolder", () => {
  const inDescribeBody = temporaryFolder("describe-body-");
  let inBeforeAll: string;
  let inBeforeEach: string;
  let inFirstTest: string;
  let beforeEachOfFirstTest: string;

  beforeAll(() => {
    inBeforeAll = temporaryFolder("before-all-");
  });
  beforeEach(() => {
    inBeforeEach = temporaryFolder("before-each-");
  });
  afterAll(() => {
    // Still there in the afterAll hooks, which stop what writes into them.
    for (const folder of [inFileBody, inDescribeBody, inBeforeAll]) writeFileSync(join(folder, "written-in-afterAll"), "");
  });

  it("gives a new, empty folder under os.tmpdir()", () => {
    inFirstTest = temporaryFolder("in-test-");
    beforeEachOfFirstTest = inBeforeEach;
    writeFileSync(join(inFirstTest, "file"), "");
    expect(inFirstTest.startsWith(join(process.env.TMPDIR!, "in-test-"))).toBe(true);
    expect(existsSync(beforeEachOfFirstTest)).toBe(true);
  });

  it("removed a test's folders (its own and its beforeEach's) when it finished; keeps the others until the file's end", () => {
    expect(existsSync(inFirstTest)).toBe(false);
    expect(existsSync(beforeEachOfFirstTest)).toBe(false);
    for (const folder of [inFileBody, inDescribeBody, inBeforeAll, inBeforeEach]) expect(existsSync(folder), folder).toBe(true);
  });

  it.fails("removes a failed test's folder too", () => {
    writeFileSync(join(temporaryFolder("failed-test-"), "file"), "");
    expect("this test").toBe("failed");
  });
});
