// A quick smoke run of every bench part (npm run bench), with tiny sizes and one short round:
// proves each part still runs against the current server, store, CLI and client, and produces its
// table. It measures nothing and asserts no timing; the real run is `npm run bench`.
import { inject } from "vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { PARTS, runParts } from "../../bench/run.js";
import { table } from "../../bench/lib/report.js";
import type {} from "../support/global-setup.js";

beforeAll(() => {
  // Use the test run's PostgreSQL (no second embedded server); none in the run, none here.
  const adminUrl = inject("postgresAdminUrl");
  if (adminUrl) process.env.BENCH_POSTGRES_URL = adminUrl;
  else process.env.BENCH_POSTGRES = "off";
});

describe("npm run bench, smoke run", () => {
  it("has every part the issue asks for", () => {
    expect(Object.keys(PARTS).sort()).toEqual(["client", "http", "import", "list-all", "runner", "scale", "tooling"]);
  });

  it.each(Object.keys(PARTS))(
    "the %s part runs and prints its table",
    async (name) => {
      const lines: string[] = [];
      const [result] = await runParts([name], { smoke: true, log: (line) => lines.push(line) });
      expect(result!.part).toBe(name);
      expect(result!.rows.length).toBeGreaterThan(0);
      for (const row of result!.rows) {
        expect(row.metric).not.toBe("");
        expect(row.value, row.metric).not.toMatch(/NaN|undefined|Infinity/); // "n/a" where a smoke run measured nothing
      }
      expect(table(result!)).toContain(`### ${name}:`);
    },
    240_000,
  );
});
