// Run by test/support/temp.test.ts beside folders.fixture.ts: a file whose afterAll fails, after
// which vitest skips the file's other afterAll hooks; its folder must be removed all the same.
import { afterAll, expect, it } from "vitest";
import { temporaryFolder } from "../temp.js";

afterAll(() => {
  throw new Error("this afterAll fails on purpose");
});

const folder = temporaryFolder("failing-hook-");

it("has a folder made in the file's body", () => {
  expect(folder).toContain("failing-hook-");
});
