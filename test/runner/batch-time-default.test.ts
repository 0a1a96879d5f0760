// JOBS_BATCH_TIME's default depends on the database (server/config.ts, DEFAULT_BATCH_TIME_MS):
// a SQLite batch holds the write lock every API write waits for, a PostgreSQL batch only its
// job's row. The runner says which it uses when it starts; a set JOBS_BATCH_TIME wins on both.
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_BATCH_TIME_MS } from "../../server/config.js";
import { databases } from "../support/databases.js";
import { recordingLogger } from "../support/logs.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe.each(databases)("the runner's batch time on $name", (database) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function runnerStarted(config: { batchTimeMs?: number }): Promise<Record<string, unknown>> {
    const { logger, records } = recordingLogger("info");
    servers.push(await startTestServer(await database.url(), { runner: true, pollIntervalMs: 60_000, ...config }, { logger }));
    const started = records.find((record) => record.msg === "runner started");
    expect(started).toBeDefined();
    return started!;
  }

  it("defaults to the database's own: 5ms on SQLite, 20ms on PostgreSQL", async () => {
    expect(DEFAULT_BATCH_TIME_MS).toEqual({ sqlite: 5, postgres: 20 });
    expect((await runnerStarted({})).batchTimeMs).toBe(database.name === "postgres" ? 20 : 5);
  });

  it("JOBS_BATCH_TIME, when set, is used as it is (0 included)", async () => {
    expect((await runnerStarted({ batchTimeMs: 12 })).batchTimeMs).toBe(12);
    expect((await runnerStarted({ batchTimeMs: 0 })).batchTimeMs).toBe(0);
  });
});
