// Test mode on the stateful MSW handlers (msw/node): the shared test body
// (test/support/test-mode-lives.ts), the same assertions as on the sandbox.
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe } from "vitest";
import { createJobsClient } from "../../client/index.js";
import { createStatefulHandlers, DEFAULT_PROJECT_KEY } from "../../client/msw/index.js";
import { testModeTests } from "../support/test-mode-lives.js";

const baseUrl = "http://test-mode.jobs-api.invalid";

describe("test mode on the stateful MSW handlers", () => {
  const server = setupServer(...createStatefulHandlers({ baseUrl }).handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterAll(() => server.close());

  testModeTests(() => ({
    projectKey: DEFAULT_PROJECT_KEY,
    client: (options) => createJobsClient({ baseUrl, apiKey: "any-key", ...options }),
  }));
});
