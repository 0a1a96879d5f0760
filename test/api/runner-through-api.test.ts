// The whole path a user sees: deleteUserData → the runner deletes every session → getJob says
// completed; and a cancel wins over a pending deletion. Real server, real runner.
import { afterEach, describe, expect, it } from "vitest";
import { databases, seedTenant } from "../support/databases.js";
import { addSessions } from "../support/jobs.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { countSessions } from "../../server/store/fixtures.js";

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(databases)("deletion jobs end to end on $name", (database) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("deletes all of the user's sessions in batches, with no cap, and ends completed", async () => {
    const running = (server = await startTestServer(await database.url(), {
      runner: true,
      pollIntervalMs: 20,
      batchSize: 1000,
      startDelay: { kind: "delay", ms: 0 },
    }));
    const { apiKey, project } = await seedTenant(running.store, "E2E");
    await addSessions(running.store, project.projectId, "gone@example.com", 2500);
    await addSessions(running.store, project.projectId, "kept@example.com", 300);

    const scheduled = await running.call("DELETE", `/api/v1/${project.projectKey}/users/gone@example.com`, { key: apiKey });
    expect(scheduled.status).toBe(200);
    const jobId = scheduled.body.data.jobId;
    const finished = await until(
      () => running.call("GET", `/api/v1/${project.projectKey}/jobs/${jobId}`, { key: apiKey }),
      (answer) => ["completed", "failed", "cancelled"].includes(answer.body.data.status),
    );
    expect(finished.body.data).toMatchObject({ status: "completed", errors: null });
    expect(await countSessions(running.store, project.projectId, "gone@example.com")).toBe(0);
    expect(await countSessions(running.store, project.projectId, "kept@example.com")).toBe(300);
    // Cancelling a completed job answers 501 and changes nothing.
    const cancel = await running.call("DELETE", `/api/v1/${project.projectKey}/jobs/${jobId}`, { key: apiKey });
    expect(cancel.status).toBe(501);
  });

  it("a job cancelled before its startAt is never run", async () => {
    const running = (server = await startTestServer(await database.url(), {
      runner: true,
      pollIntervalMs: 20,
      startDelay: { kind: "delay", ms: 60_000 },
    }));
    const { apiKey, project } = await seedTenant(running.store, "Early");
    await addSessions(running.store, project.projectId, "u@example.com", 1);
    const scheduled = await running.call("DELETE", `/api/v1/${project.projectKey}/users/u@example.com`, { key: apiKey });
    const cancelled = await running.call("DELETE", `/api/v1/${project.projectKey}/jobs/${scheduled.body.data.jobId}`, { key: apiKey });
    expect(cancelled.body.data.status).toBe("cancelled");
    running.clock.now += 120_000; // past the startAt
    await running.runner!.runOnce();
    const after = await running.call("GET", `/api/v1/${project.projectKey}/jobs/${scheduled.body.data.jobId}`, { key: apiKey });
    expect(after.body.data.status).toBe("cancelled");
    expect(await countSessions(running.store, project.projectId, "u@example.com")).toBe(1);
  });
});
