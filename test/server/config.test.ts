// Every setting has a documented range; a value outside it stops start-up with a message naming
// the variable, the value and the range. Durations beyond Node's timers (about 24.8 days) were
// accepted and overflowed them: JOBS_POLL_INTERVAL=30d polled every millisecond,
// RATE_LIMIT_WINDOW=30d disabled the limit, JOBS_START_DELAY=100000000d stored a startAt past
// the spec's bound.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULTS, SETTINGS, loadConfig } from "../../server/config.js";
import { runJobsApi } from "../reliability/support.js";

const configError = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(env)} was accepted`);
};

describe("settings out of range stop start-up with a clear message", () => {
  it.each([
    ["JOBS_POLL_INTERVAL", "30d", "from 10ms to 24h"],
    ["JOBS_POLL_INTERVAL", "25h", "from 10ms to 24h"],
    ["JOBS_POLL_INTERVAL", "5ms", "from 10ms to 24h"],
    ["RATE_LIMIT_WINDOW", "30d", "from 1s to 24h"],
    ["RATE_LIMIT_WINDOW", "500ms", "from 1s to 24h"],
    ["JOBS_LEASE", "30d", "from 1s to 24h"],
    ["JOBS_START_DELAY", "100000000d", "from 0s to 365d"],
    ["JOBS_START_DELAY", "366d", "from 0s to 365d"],
    ["JOBS_START_DELAY", "99999999999999999999999d", "from 0s to 365d"],
    ["PORT", "65536", "from 0 to 65535"],
    ["JOBS_BATCH_SIZE", "0", "from 1 to 100000"],
    ["JOBS_BATCH_SIZE", "100001", "from 1 to 100000"],
    ["RATE_LIMIT", "1000000001", "from 0 to 1000000000"],
    ["HOST", " ", "a host name or address"],
  ])("%s=%s", (name, value, range) => {
    const message = configError({ [name]: value });
    expect(message).toContain(`${name}=${JSON.stringify(value)}`);
    expect(message).toContain(range);
  });

  it.each([
    ["JOBS_POLL_INTERVAL", "24h", { pollIntervalMs: 86_400_000 }],
    ["JOBS_POLL_INTERVAL", "10ms", { pollIntervalMs: 10 }],
    ["RATE_LIMIT_WINDOW", "24h", { rateLimitWindowMs: 86_400_000 }],
    ["JOBS_LEASE", "24h", { leaseMs: 86_400_000 }],
    ["JOBS_START_DELAY", "365d", { startDelay: { kind: "delay", ms: 365 * 86_400_000 } }],
    ["JOBS_START_DELAY", "0s", { startDelay: { kind: "delay", ms: 0 } }],
    ["JOBS_START_DELAY", "midnight", { startDelay: { kind: "midnight" } }],
  ])("%s=%s, the edge of its range, is accepted", (name, value, expected) => {
    expect(loadConfig({ [name]: value })).toMatchObject(expected);
  });

  it("every duration setting stays below what Node's timers hold (2^31 - 1 ms)", () => {
    for (const setting of SETTINGS) {
      if (setting.maxMs !== undefined) expect(setting.maxMs, setting.name).toBeLessThan(2 ** 31 - 1);
    }
  });

  it("names every bad setting at once", () => {
    const message = configError({ JOBS_POLL_INTERVAL: "30d", RATE_LIMIT_WINDOW: "30d" });
    expect(message).toContain("JOBS_POLL_INTERVAL");
    expect(message).toContain("RATE_LIMIT_WINDOW");
  });

  it("`jobs-api serve` with JOBS_POLL_INTERVAL=30d exits at once with the message, and status 2", async () => {
    const run = await runJobsApi(["serve"], { JOBS_POLL_INTERVAL: "30d", DATABASE_URL: "sqlite::memory:" }, undefined, 60_000);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('JOBS_POLL_INTERVAL="30d"');
    expect(run.stderr).toContain("from 10ms to 24h");
  });
});

describe("docs/server.md", () => {
  const doc = readFileSync(new URL("../../docs/server.md", import.meta.url), "utf8");

  it("has a row for every setting, with its default and its range", () => {
    for (const setting of SETTINGS) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${setting.name}\``));
      expect(row, setting.name).toBeDefined();
      expect(row, setting.name).toContain(setting.defaultText);
      expect(row, setting.name).toContain(setting.range);
    }
  });

  it("lists no setting the server does not read", () => {
    const names = [...doc.matchAll(/^\| `([A-Z_]+)`/gm)].map((match) => match[1]);
    expect(names.sort()).toEqual(SETTINGS.map((setting) => setting.name).sort());
  });

  it("the defaults are the ones in the table", () => {
    expect(loadConfig({})).toEqual(DEFAULTS);
  });
});
