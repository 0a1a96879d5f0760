// Starts the real server (Express app, validator with response validation on, real store) on a
// free port for a test, with a controllable clock.
import { startServer, type RunningServer } from "../../server/index.js";
import type { Config } from "../../server/config.js";
import type { Logger } from "pino";
import type { Store } from "../../server/store/types.js";
import { inject } from "vitest";
import { recordAnswers } from "./contract-coverage.js";
import type {} from "./contract-coverage-setup.js";

/** "operationId status" of every answer the test servers of this test file gave (vitest isolates each file). */
const answeredHere = new Set<string>();
export const pairsAnsweredHere = (): ReadonlySet<string> => answeredHere;

export interface TestServer extends RunningServer {
  /** The injected clock: tests move time by setting `clock.now`. */
  clock: { now: number };
  call(method: string, path: string, options?: { key?: string | null; headers?: Record<string, string> }): Promise<Answer>;
}

export interface Answer {
  status: number;
  headers: Headers;
  contentType: string;
  /** The parsed JSON (any: each test asserts the shape it expects). */
  body: any;
}

export interface TestServerOptions {
  /** Where the server logs (default: nowhere, logLevel "silent"). */
  logger?: Logger;
  /** A store to use instead of opening databaseUrl (a wrapper, say); the test closes it. */
  store?: Store;
}

export async function startTestServer(
  databaseUrl: string,
  config: Partial<Config> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const clock = { now: Date.UTC(2026, 10, 29, 10, 0, 0) };
  const running = await startServer({
    config: {
      databaseUrl,
      port: 0,
      host: "127.0.0.1",
      runner: false,
      rateLimit: 0,
      logLevel: "silent",
      validateResponses: true,
      ...config,
    },
    clock: () => clock.now,
    logger: options.logger,
    store: options.store,
  });
  recordAnswers(running.server, inject("contractCoverageDir"), answeredHere);
  const call: TestServer["call"] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key != null) headers.authorization = options.key;
    const response = await fetch(running.url + path, { method, headers });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    return { status: response.status, headers: response.headers, contentType, body: text ? JSON.parse(text) : undefined };
  };
  return Object.assign(running, { clock, call });
}
