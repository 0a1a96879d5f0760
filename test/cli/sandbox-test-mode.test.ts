// Test mode on the sandbox (`jobs-api sandbox`, in process): the shared test body
// (test/support/test-mode-lives.ts) against the real server, store and runner.
import { afterAll, beforeAll, describe } from "vitest";
import { createJobsClient } from "../../client/index.js";
import { startSandbox, type RunningSandbox } from "../../server/cli/sandbox.js";
import { testModeTests } from "../support/test-mode-lives.js";

describe("test mode on the sandbox", () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    // Unpaced and quick to start, so the demo's own jobs do not keep the runner long.
    sandbox = await startSandbox({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", JOBS_PACE: "off", JOBS_START_DELAY: "1s" });
  });
  afterAll(() => sandbox?.close());

  testModeTests(() => ({
    projectKey: sandbox.projectKey,
    client: (options) => createJobsClient({ baseUrl: sandbox.server.url, apiKey: "any-key", ...options }),
  }));
});
