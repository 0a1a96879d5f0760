// The MSW handlers answer their base URL and nothing else, so a test's `onUnhandledRequest: "error"`
// still catches a request that goes anywhere else (another host, another port, a Prism mock that
// happens to run); and the default base URL is the one the mock, the README and the docs use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MOCK_BASE_URL } from "../../client/contract/index.js";
import { createExampleHandlers, createStatefulHandlers, DEFAULT_BASE_URL } from "../../client/msw/index.js";
import { ROOT } from "../support/redocly.js";

const JOBS = "/api/v1/demo-project/jobs";
const server = setupServer();
const unhandled = vi.fn();

beforeAll(() =>
  server.listen({
    onUnhandledRequest: (request, print) => {
      unhandled(request.url);
      print.error();
    },
  }),
);
afterEach(() => {
  server.resetHandlers();
  unhandled.mockClear();
});
afterAll(() => server.close());

const get = (url: string) => fetch(url, { headers: { Authorization: "any-key" } });

describe.each([
  ["example handlers", () => createExampleHandlers()],
  ["stateful handlers", () => createStatefulHandlers().handlers],
])("the %s answer their base URL only", (_name, handlers) => {
  it("answer a request to the default base URL", async () => {
    server.use(...handlers());
    expect((await get(`${DEFAULT_BASE_URL}${JOBS}`)).status).toBe(200);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it.each(["http://localhost:4010", "http://127.0.0.1:4011", "https://127.0.0.1:4010", "http://api.example.com"])(
    "leave a request to %s unhandled: MSW's onUnhandledRequest sees it",
    async (origin) => {
      server.use(...handlers());
      await get(`${origin}${JOBS}`).catch(() => undefined); // no server there: the request itself fails
      expect(unhandled).toHaveBeenCalledWith(`${origin}${JOBS}`);
    },
  );
});

describe("a base URL with a path prefix, or any origin", () => {
  it("answers below the prefix only", async () => {
    server.use(...createStatefulHandlers({ baseUrl: "http://api.test/jobs-api" }).handlers);
    expect((await get(`http://api.test/jobs-api${JOBS}`)).status).toBe(200);
    await get(`http://api.test${JOBS}`).catch(() => undefined);
    expect(unhandled).toHaveBeenCalledWith(`http://api.test${JOBS}`);
  });

  it('"*" answers every origin', async () => {
    server.use(...createExampleHandlers({ baseUrl: "*" }));
    for (const origin of ["http://a.test", "http://localhost:9"]) expect((await get(`${origin}${JOBS}`)).status).toBe(200);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe("one default base URL for the mocks", () => {
  it("is where npm run mock listens by default", () => {
    const start = readFileSync(join(ROOT, "mock", "start.mjs"), "utf8");
    const host = /process\.env\.MOCK_HOST \|\| "([^"]+)"/.exec(start)?.[1];
    const port = /process\.env\.MOCK_PORT \?\? "(\d+)"/.exec(start)?.[1];
    expect(`http://${host}:${port}`).toBe(MOCK_BASE_URL);
    expect(DEFAULT_BASE_URL).toBe(MOCK_BASE_URL);
  });

  it("is the only mock address the README and the guides name", () => {
    for (const file of ["README.md", ...["frontend.md", "msw.md", "clients.md"].map((f) => join("docs", f))]) {
      const text = readFileSync(join(ROOT, file), "utf8");
      const named = [...text.matchAll(/https?:\/\/[\w.[\]:-]+:4010/g)].map((m) => m[0]);
      expect(
        named.filter((url) => url !== MOCK_BASE_URL),
        file,
      ).toEqual([]);
    }
  });
});
