// The server factory: what `jobs-api serve`, the tests and the package's `./server` export use.
import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createLogger } from "./logging.js";
import { DEFAULTS, type Config } from "./config.js";
import { createApp } from "./app.js";
import { createHttpServer } from "./http.js";
import { openStore } from "./store/index.js";
import { createRunner, type Runner } from "./runner/runner.js";
import type { Store } from "./store/types.js";

export { createApp } from "./app.js";
export { createHttpServer } from "./http.js";
export { loadConfig, DEFAULTS, type Config } from "./config.js";
export { openStore } from "./store/index.js";
export { createRunner } from "./runner/runner.js";
export type { Store } from "./store/types.js";

export interface StartOptions {
  /** Settings; anything missing takes its default (see config.ts). */
  config?: Partial<Config>;
  logger?: Logger;
  /** Epoch milliseconds; injectable for tests. */
  clock?: () => number;
  /** An open store to use instead of opening config.databaseUrl (it is then not closed by close()). */
  store?: Store;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  config: Config;
  store: Store;
  runner: Runner | undefined;
  server: http.Server;
  /** Stops accepting, finishes the batch in flight, closes the database. */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULTS, ...options.config };
  const logger = options.logger ?? createLogger(config.logLevel);
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore(config.databaseUrl, { logger }));
  await store.migrate();

  const app = createApp({ store, config, logger, clock: options.clock });
  const server = createHttpServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;

  const runner = config.runner
    ? createRunner({
        store,
        logger,
        pollIntervalMs: config.pollIntervalMs,
        batchSize: config.batchSize,
        batchTimeMs: config.batchTimeMs,
        leaseMs: config.leaseMs,
        clock: options.clock,
      })
    : undefined;
  runner?.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await runner?.stop();
      await stopped;
      if (ownsStore) await store.close();
    })());

  return { url: `http://${host}:${port}`, port, config, store, runner, server, close };
}
