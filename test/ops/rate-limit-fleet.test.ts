// The per-key rate limit holds for a fleet: three `jobs-api serve` processes on one database
// count together (the rate_limits table), so RATE_LIMIT calls succeed in a window across all of
// them, not three times as many. PostgreSQL by default (RATE_LIMIT_STORE=auto); SQLite when
// told to (RATE_LIMIT_STORE=database). The window is an hour, so timing cannot matter.
import { afterAll, describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { httpRequest, jobsApiJson, spawnServe, type ServeProcess } from "../reliability/support.js";

const LIMIT = 10;
const CALLS = 3 * LIMIT;

const fleets = databases.map((database) => {
  const env: Record<string, string> = database.name === "sqlite" ? { RATE_LIMIT_STORE: "database" } : {};
  return { database, name: database.name, env };
});

describe.each(fleets)("the per-key rate limit across three processes on one $name database", ({ database, env }) => {
  const servers: ServeProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop("SIGTERM")));
  });

  it(`exactly RATE_LIMIT=${LIMIT} calls succeed across the fleet in a window; the rest get 429 with Retry-After`, async () => {
    const url = await database.url();
    const acme = await jobsApiJson(["project", "create", "--org", "Acme", "--name", "Web"], { DATABASE_URL: url });
    const globex = await jobsApiJson(["project", "create", "--org", "Globex", "--name", "Web"], { DATABASE_URL: url });
    const settings = { DATABASE_URL: url, RATE_LIMIT: String(LIMIT), RATE_LIMIT_WINDOW: "1h", JOBS_RUNNER: "off", ...env };
    servers.push(...(await Promise.all([1, 2, 3].map((n) => spawnServe(settings, `rate-limit-${database.name}-${n}`)))));

    // All at once, spread over the three processes.
    const answers = await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        httpRequest(servers[i % 3]!.url, `/api/v1/${acme.projectKey}/jobs`, { headers: { authorization: acme.apiKey } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(CALLS - LIMIT);
    for (const refused of answers.filter((a) => a.status === 429)) {
      const seconds = Number(refused.headers["retry-after"]);
      expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600, `Retry-After ${refused.headers["retry-after"]}`).toBe(true);
      expect(refused.body).toMatchObject({ status: 429, type: "urn:problem:jobs-api:rate-limited" });
    }
    // Each process refuses now, whichever served the calls.
    for (const server of servers) {
      const again = await httpRequest(server.url, `/api/v1/${acme.projectKey}/jobs`, { headers: { authorization: acme.apiKey } });
      expect(again.status).toBe(429);
    }
    // Another key has its own count.
    const other = await httpRequest(servers[0]!.url, `/api/v1/${globex.projectKey}/jobs`, { headers: { authorization: globex.apiKey } });
    expect(other.status).toBe(200);
  }, 180_000);
});
