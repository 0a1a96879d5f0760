// The server factory: what `jobs-api serve`, the tests and the package's main export use.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { ConfigError, DEFAULTS, DEFAULT_BATCH_TIME_MS, databaseSettings, isLoopbackHost, type Config } from "./config.js";
import { createApp } from "./http/app.js";
import { TIMEOUTS, createHttpServer } from "./http/server.js";
import { openStore } from "./store/index.js";
import { createRunner, type Runner } from "./runner/runner.js";
import { actions } from "./runner/actions.js";
import { testModeActions, testModeStore } from "./runner/test-mode.js";
import type { Organization, Store } from "./store/types.js";
import { createLogger } from "./logger.js";
import { createLifecycle, type Lifecycle } from "./ops/health.js";
import { METRICS_PATH, createMetrics, instrumentStore, type Metrics } from "./ops/metrics.js";
import { metricsListener } from "./ops/metrics-endpoint.js";

export { createApp } from "./http/app.js";
export { createHttpServer } from "./http/server.js";
export { loadConfig, DEFAULTS, isLoopbackHost, type Config } from "./config.js";
export { openStore } from "./store/index.js";
export { createRunner } from "./runner/runner.js";
export type { Store } from "./store/types.js";

/**
 * After the listener closes, how long answers in progress may take before every connection is
 * closed: the time a client has to send its headers, so a half-sent request ends no later than
 * it would have while the server was open.
 */
const CLOSE_GRACE_MS = TIMEOUTS.headersMs;

export interface StartOptions {
  /** Settings; anything missing takes its default (see config.ts). */
  config?: Partial<Config>;
  logger?: Logger;
  /** Epoch milliseconds; injectable for tests. */
  clock?: () => number;
  /** An open store to use instead of opening config.databaseUrl (it is then not closed by close()). */
  store?: Store;
  /**
   * The sandbox only: accept any well-formed API key as this organization's. Refused unless
   * config.host is a loopback address (127.0.0.0/8, ::1, localhost).
   */
  anyKeyAs?: Organization;
  /**
   * The sandbox only: test mode (client/contract/test-mode.ts). `Prefer` simulates 401, 429, 503
   * and latency; the scripted userIds (fail@test.example, ...) live as their script says.
   */
  testMode?: boolean;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  port: number;
  config: Config;
  store: Store;
  runner: Runner | undefined;
  server: http.Server;
  /** Prometheus metrics of this server (undefined with METRICS=off). */
  metrics: Metrics | undefined;
  /** http://host:port/metrics of the metrics listener (METRICS_PORT; undefined when not set). */
  metricsUrl: string | undefined;
  lifecycle: Lifecycle;
  /**
   * Stops accepting, finishes the batch in flight, closes the database. Answers in progress get
   * the header timeout (10 s) to finish; then every connection is closed.
   */
  close(): Promise<void>;
  /** close(), closing every connection at once (answers in progress are cut). */
  closeNow(): Promise<void>;
  /**
   * A graceful shutdown for a load balancer: /readyz answers 503 at once, requests are still
   * served for drainMs (so the balancer notices and stops sending), then close(). Called again
   * (a second signal): closeNow().
   */
  drainAndClose(drainMs: number): Promise<void>;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...DEFAULTS, ...options.config };
  if (options.anyKeyAs !== undefined && !isLoopbackHost(config.host)) {
    throw new ConfigError(
      `HOST=${config.host} is not a loopback address: a server that accepts any API key (the sandbox) listens only on ` +
        "127.0.0.1, ::1 or localhost.",
    );
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const ownsStore = options.store === undefined;
  const rawStore = options.store ?? (await openStore(config.databaseUrl, { logger, ...databaseSettings(config) }));
  await rawStore.migrate();
  const metrics = config.metrics ? createMetrics({ store: rawStore }) : undefined;
  const scripted = options.testMode ? testModeStore(rawStore) : rawStore;
  // The handlers and the runner use the instrumented store; callers get the store itself.
  const store = metrics ? instrumentStore(scripted, metrics) : scripted;
  const lifecycle = createLifecycle();

  const app = createApp({
    store,
    config,
    logger,
    clock: options.clock,
    anyKeyAs: options.anyKeyAs,
    lifecycle,
    metrics,
    testMode: options.testMode,
  });
  const server = createHttpServer(app);
  let metricsServer: http.Server | undefined;
  try {
    await listen(server, config.port, config.host);
    if (metrics && config.metricsPort !== undefined) {
      metricsServer = http.createServer(metricsListener(metrics));
      await listen(metricsServer, config.metricsPort, config.metricsHost);
    }
  } catch (error) {
    server.close();
    if (ownsStore) await rawStore.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const urlHost = (name: string) => (name.includes(":") ? `[${name}]` : name);
  const host = urlHost(config.host);
  const metricsUrl =
    metricsServer && `http://${urlHost(config.metricsHost)}:${(metricsServer.address() as AddressInfo).port}${METRICS_PATH}`;

  const runner = config.runner
    ? createRunner({
        store,
        logger,
        pollIntervalMs: config.pollIntervalMs,
        batchSize: config.batchSize,
        batchTimeMs: config.batchTimeMs ?? DEFAULT_BATCH_TIME_MS[store.dialect],
        leaseMs: config.leaseMs,
        paceSessionsPerSecond: config.paceSessionsPerSecond,
        clock: options.clock,
        ...(options.testMode ? { actions: testModeActions(actions) } : {}),
      })
    : undefined;
  runner?.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      lifecycle.beginShutdown();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // server.close() also stops the timer that enforces headersTimeout and requestTimeout, and
      // waits for every connection with no deadline: a client that never finishes its headers
      // would keep the process alive. Answers in progress get CLOSE_GRACE_MS, then every
      // connection is closed.
      const deadline = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      await runner?.stop();
      await stopped;
      clearTimeout(deadline);
      if (ownsStore) await rawStore.close();
    })());

  const closeNow = () => {
    const closed = close();
    server.closeAllConnections();
    return closed;
  };

  let endDrain: (() => void) | undefined;
  const drainAndClose = async (drainMs: number) => {
    if (closing !== undefined || lifecycle.shuttingDown) {
      endDrain?.(); // asked again (a second signal): close now, without waiting for anyone
      return closeNow();
    }
    lifecycle.beginShutdown();
    // The runner stops at once (its job is handed back for another process to take up); the
    // HTTP side keeps answering until the load balancer has seen /readyz fail.
    runner?.stop().catch((error: unknown) => logger.error({ err: error }, "stopping the runner failed"));
    if (drainMs > 0) {
      logger.info({ drainMs }, "shutting down: /readyz answers 503, requests are still served until the drain period ends");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        endDrain = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await close();
  };

  return {
    url: `http://${host}:${port}`,
    port,
    config,
    store: rawStore,
    runner,
    server,
    metrics,
    metricsUrl,
    lifecycle,
    close,
    closeNow,
    drainAndClose,
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
