// The stateful MSW handlers keep the server's quota: a fixed window per organization, the
// RateLimit fields on every counted answer, 429 with Retry-After beyond it, none of it without a
// limit, and the same fields on test mode's simulated 429. Each answer is checked against the spec.
import { setupServer } from "msw/node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createStatefulHandlers } from "../../client/msw/index.js";
import { DEFAULT_RATE_LIMIT, rateLimitPolicyName, SIMULATED_PROBLEMS, type OperationId } from "../../client/contract/index.js";
import { answerValidator } from "../support/spec-schemas.js";

const BASE = "http://127.0.0.1:4010";
const validate = answerValidator();
const clock = { now: Date.UTC(2026, 0, 1) };
const msw = setupServer();
msw.listen({ onUnhandledRequest: "error" });
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

function use(options: Parameters<typeof createStatefulHandlers>[0]) {
  const mock = createStatefulHandlers({
    now: () => clock.now,
    tenants: [
      { apiKey: "key-a", projectKeys: ["proj-a"] },
      { apiKey: "key-b", projectKeys: ["proj-b"] },
    ],
    ...options,
  });
  msw.use(...mock.handlers);
}

/** A call of listJobs (or of `path`), its answer checked against the spec. */
async function call(path = "/api/v1/proj-a/jobs", key: string | null = "key-a", headers: Record<string, string> = {}) {
  const response = await fetch(BASE + path, { headers: key === null ? headers : { ...headers, Authorization: key } });
  const body: unknown = await response.json();
  const operationId: OperationId = path.includes("/jobs/") ? "getJob" : "listJobs";
  expect(validate(operationId, { status: response.status, headers: response.headers, body })).toEqual([]);
  return { status: response.status, headers: response.headers, body };
}
const fields = (answer: { headers: Headers }) => [answer.headers.get("RateLimit"), answer.headers.get("RateLimit-Policy")];

describe("the stateful MSW handlers' quota", () => {
  it("counts per organization: r goes down on every counted answer, 404s included, then 429 with Retry-After", async () => {
    use({ rateLimit: { limit: 3, windowSeconds: 60 } });
    expect(fields(await call())).toEqual(['"3-in-1min"; r=2; t=60', '"3-in-1min"; q=3; w=60']);
    expect((await call("/api/v1/proj-a/jobs/999")).headers.get("RateLimit")).toBe('"3-in-1min"; r=1; t=60');
    clock.now += 15_000;
    expect((await call()).headers.get("RateLimit")).toBe('"3-in-1min"; r=0; t=45');
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("45");
    expect(limited.body).toMatchObject({ type: "urn:problem:jobs-api:rate-limited", status: 429 });
    expect(limited.headers.get("RateLimit")).toBe('"3-in-1min"; r=0; t=45');
    // Another organization has its own count.
    expect((await call("/api/v1/proj-b/jobs", "key-b")).status).toBe(200);
    // A new window, a new quota.
    clock.now += 45_000;
    expect((await call()).headers.get("RateLimit")).toBe('"3-in-1min"; r=2; t=60');
  });

  it("answers refused before counting (a wrong key, a bad parameter) carry no field and use no quota", async () => {
    use({ rateLimit: { limit: 2, windowSeconds: 60 } });
    for (const refused of [await call(undefined, "wrong"), await call(undefined, null), await call("/api/v1/proj-a/jobs?limit=0")]) {
      expect([400, 401]).toContain(refused.status);
      expect(fields(refused)).toEqual([null, null]);
    }
    expect((await call()).headers.get("RateLimit")).toBe('"2-in-1min"; r=1; t=60');
  });

  it("keeps the server's default quota unless told otherwise, and none with rateLimit: false", async () => {
    use({});
    expect((await call()).headers.get("RateLimit-Policy")).toBe(`"${rateLimitPolicyName(DEFAULT_RATE_LIMIT)}"; q=600; w=60`);
    msw.resetHandlers();
    use({ rateLimit: false });
    expect(fields(await call())).toEqual([null, null]);
  });

  it("test mode's simulated 429 carries the fields of a used-up quota, as the sandbox's does", async () => {
    use({});
    const simulated = await call(undefined, "key-a", { Prefer: "code=429" });
    expect(simulated.status).toBe(429);
    for (const [name, value] of Object.entries(SIMULATED_PROBLEMS[429].headers)) expect(simulated.headers.get(name), name).toBe(value);
    expect(simulated.headers.get("RateLimit")).toMatch(/; r=0; t=\d+$/);
  });
});
