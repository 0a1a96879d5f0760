// The vitest configuration of temp.test.ts's own run of the fixtures beside it: those files only,
// and none of the project's global setup (no PostgreSQL, no contract coverage).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/support/temp-fixture/*.fixture.ts"],
    pool: "forks",
    maxWorkers: 1,
  },
});
