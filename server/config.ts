// Environment → typed, validated settings. Read once at start-up; an invalid setting stops the
// process with a message naming the variable, the bad value and what is accepted.
//
// Hand-written rather than a schema library: a dozen variables, each with its own small grammar
// (durations, "midnight", on/off), and the messages matter more than the plumbing. Every setting
// has a range (SETTINGS below, documented in docs/server.md); durations stay below what Node's
// timers hold (2^31 - 1 ms, about 24.8 days: a longer one fires after 1 ms).

import { BlockList, isIP } from "node:net";

export type StartDelay = { kind: "midnight" } | { kind: "delay"; ms: number };

export interface Config {
  port: number;
  host: string;
  /** undefined = the embedded SQLite file (./data/jobs-api.db). */
  databaseUrl: string | undefined;
  startDelay: StartDelay;
  pollIntervalMs: number;
  batchSize: number;
  /**
   * Batches grow (doubling, from batchSize up to MAX_BATCH_SIZE) while a full one takes under
   * this, and shrink back (never under batchSize) when one takes over twice this; 0 = every batch
   * batchSize. undefined = by database (DEFAULT_BATCH_TIME_MS).
   */
  batchTimeMs: number | undefined;
  leaseMs: number;
  /**
   * At most this many sessions deleted per second by a job (JOBS_PACE): the runner pauses after
   * each batch. 0 = off (as fast as the database goes), the default; the sandbox paces so that
   * a job visibly stays `running` for a few seconds.
   */
  paceSessionsPerSecond: number;
  runner: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /**
   * Origins allowed by CORS; ["*"] allows any; [] disables CORS headers. An origin ending in
   * ":*" (http://localhost:*) allows that scheme and host on any port.
   */
  corsOrigins: string[];
  /** Response validation against openapi.yaml (on by default; RESPONSE_VALIDATION=off in production if you must). */
  validateResponses: boolean;
  /** Calls allowed per API key per rate-limit window (0 = no limit). */
  rateLimit: number;
  rateLimitWindowMs: number;
  /** Where the per-key rate limit counts: in the database (shared by every process) or in this process. */
  rateLimitStore: "database" | "memory" | "auto";
  /** Prometheus metrics, counted, and served at GET /metrics on metricsPort. */
  metrics: boolean;
  /**
   * The port of the metrics listener (GET /metrics, on metricsHost); undefined = not served. Never
   * the API's port: whoever can call the API must not read the metrics (they are private).
   */
  metricsPort: number | undefined;
  /** The address the metrics listener binds: loopback unless told otherwise (a Prometheus on another host). */
  metricsHost: string;
  /** Log lines: JSON (one object a line), pretty (for people), or auto (pretty on a terminal). */
  logFormat: "json" | "pretty" | "auto";
  /** On SIGTERM: how long to stay up, answering, while /readyz says 503, before closing. */
  shutdownDrainMs: number;
  /** SQLite: how long a write waits for another connection's lock before "busy" (every connection of the store). */
  sqliteBusyTimeoutMs: number;
  /** PostgreSQL: how long to wait for a connection (a new one, or a free one of the pool) before failing. */
  databaseConnectTimeoutMs: number;
  /** PostgreSQL: how long one statement may take, on the server (statement_timeout) and in the client (a frozen server). */
  databaseStatementTimeoutMs: number;
}

/** The settings the store opens its connections with (openStore, the deletion worker, the import). */
export type DatabaseSettings = Pick<Config, "sqliteBusyTimeoutMs" | "databaseConnectTimeoutMs" | "databaseStatementTimeoutMs">;

export function databaseSettings(config: DatabaseSettings): DatabaseSettings {
  const { sqliteBusyTimeoutMs, databaseConnectTimeoutMs, databaseStatementTimeoutMs } = config;
  return { sqliteBusyTimeoutMs, databaseConnectTimeoutMs, databaseStatementTimeoutMs };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "0s", "90s", "1h", "500ms", "1.5m" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}

/** The next 00:00 UTC strictly after `now` (upstream's schedule for new jobs). */
export function nextMidnightUtc(now: number): number {
  const day = 86_400_000;
  return Math.floor(now / day) * day + day;
}

export function startAtFor(delay: StartDelay, now: number): number {
  return delay.kind === "midnight" ? nextMidnightUtc(now) : now + delay.ms;
}

export const DEFAULTS: Config = {
  port: 3000,
  host: "127.0.0.1",
  databaseUrl: undefined,
  startDelay: { kind: "midnight" },
  pollIntervalMs: 5000,
  batchSize: 1000,
  batchTimeMs: undefined,
  leaseMs: 60_000,
  paceSessionsPerSecond: 0,
  runner: true,
  logLevel: "info",
  corsOrigins: [],
  validateResponses: true,
  rateLimit: 600,
  rateLimitWindowMs: 60_000,
  rateLimitStore: "auto",
  metrics: true,
  metricsPort: undefined,
  metricsHost: "127.0.0.1",
  logFormat: "auto",
  shutdownDrainMs: 5_000,
  sqliteBusyTimeoutMs: 5_000,
  databaseConnectTimeoutMs: 5_000,
  databaseStatementTimeoutMs: 5_000,
};

/**
 * JOBS_BATCH_TIME by database. A SQLite batch holds the database's write lock, which every API
 * write waits for: short. A PostgreSQL batch holds only its job's row, and its round trips make
 * short batches slow (bench/README.md, runner, compares the two).
 */
export const DEFAULT_BATCH_TIME_MS = { sqlite: 5, postgres: 20 } as const;

type Env = Record<string, string | undefined>;

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * One environment variable: its documented default and range (docs/server.md has a row for each,
 * which test/server/config.test.ts compares with this table), and how it is read.
 */
export interface Setting {
  name: string;
  /** The default, as the docs show it. */
  defaultText: string;
  /** What is accepted, as the docs and the error message say it. */
  range: string;
  /** Durations used as timers: the largest accepted, in ms (below Node's timer limit, 2^31 - 1 ms). */
  maxMs?: number;
  /** The raw value → the setting's part of Config, or undefined when it is not accepted. */
  parse(raw: string): Partial<Config> | undefined;
}

/** "10ms", "60s", "24h", "365d": a duration as the docs write it. */
function formatDuration(ms: number): string {
  if (ms > DAY && ms % DAY === 0) return `${ms / DAY}d`;
  if (ms >= HOUR && ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms % SECOND === 0) return `${ms / SECOND}s`;
  return `${ms}ms`;
}

const onOff = (raw: string) => ({ on: true, true: true, "1": true, off: false, false: false, "0": false })[raw.toLowerCase()];

function integer(name: string, key: keyof Config, min: number, max: number, defaultText: string, what = ""): Setting {
  return {
    name,
    defaultText,
    range: `an integer from ${min} to ${max}${what}`,
    parse: (raw) => {
      if (!/^\d{1,10}$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? { [key]: n } : undefined;
    },
  };
}

function duration(name: string, key: keyof Config, minMs: number, maxMs: number, example: string, defaultText?: string): Setting {
  return {
    name,
    defaultText: defaultText ?? formatDuration(DEFAULTS[key] as number),
    range: `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}, such as ${example}`,
    maxMs,
    parse: (raw) => {
      const ms = parseDuration(raw);
      return ms !== undefined && ms >= minMs && ms <= maxMs ? { [key]: ms } : undefined;
    },
  };
}

/** The settings whose value is one of a few words (LOG_FORMAT, RATE_LIMIT_STORE). */
type WordKey = { [K in keyof Config]: Config[K] extends string ? K : never }[keyof Config];

function oneOf<K extends WordKey>(name: string, key: K, values: string[], what: string): Setting {
  return {
    name,
    defaultText: String(DEFAULTS[key]),
    range: `one of ${values.join(", ")} (${what})`,
    parse: (raw) => (values.includes(raw) ? { [key]: raw } : undefined),
  };
}

/** The longest JOBS_START_DELAY: a deletion scheduled further out than a year is a mistake. */
export const MAX_START_DELAY_MS = 365 * DAY;

export const SETTINGS: readonly Setting[] = [
  integer("PORT", "port", 0, 65535, String(DEFAULTS.port), " (0: any free port)"),
  {
    name: "HOST",
    defaultText: DEFAULTS.host,
    range: "a host name or address to listen on, without spaces",
    parse: (raw) => (/^[^\s]{1,253}$/.test(raw) ? { host: raw } : undefined),
  },
  {
    name: "DATABASE_URL",
    defaultText: "SQLite at ./data/jobs-api.db",
    range: "sqlite:PATH, sqlite::memory:, postgres://… or postgresql://…",
    parse: (raw) => (/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(raw) ? { databaseUrl: raw } : undefined),
  },
  {
    name: "JOBS_START_DELAY",
    defaultText: "midnight",
    range: `"midnight" (the next 00:00 UTC) or a duration from 0s to ${formatDuration(MAX_START_DELAY_MS)}, such as 0s, 90s, 1h`,
    parse: (raw) => {
      if (raw === "midnight") return { startDelay: { kind: "midnight" } };
      const ms = parseDuration(raw);
      return ms !== undefined && ms <= MAX_START_DELAY_MS ? { startDelay: { kind: "delay", ms } } : undefined;
    },
  },
  duration("JOBS_POLL_INTERVAL", "pollIntervalMs", 10, DAY, "5s"),
  integer("JOBS_BATCH_SIZE", "batchSize", 1, 100_000, String(DEFAULTS.batchSize), " (sessions per transaction)"),
  duration(
    "JOBS_BATCH_TIME",
    "batchTimeMs",
    0,
    10 * SECOND,
    "5ms (0ms: every batch JOBS_BATCH_SIZE)",
    `${formatDuration(DEFAULT_BATCH_TIME_MS.sqlite)} on SQLite, ${formatDuration(DEFAULT_BATCH_TIME_MS.postgres)} on PostgreSQL`,
  ),
  duration("JOBS_LEASE", "leaseMs", SECOND, DAY, "60s"),
  {
    name: "JOBS_PACE",
    defaultText: "off",
    range: 'sessions per second a job deletes at most, an integer from 1 to 1000000, or 0 or "off" for no pacing',
    parse: (raw) => {
      if (raw === "off") return { paceSessionsPerSecond: 0 };
      if (!/^\d{1,7}$/.test(raw) || Number(raw) > 1_000_000) return undefined;
      return { paceSessionsPerSecond: Number(raw) };
    },
  },
  {
    name: "JOBS_RUNNER",
    defaultText: "on",
    range: "on or off",
    parse: (raw) => ((value) => (value === undefined ? undefined : { runner: value }))(onOff(raw)),
  },
  {
    name: "LOG_LEVEL",
    defaultText: DEFAULTS.logLevel,
    range: "one of fatal, error, warn, info, debug, trace, silent",
    parse: (raw) =>
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(raw) ? { logLevel: raw as Config["logLevel"] } : undefined,
  },
  {
    name: "CORS_ORIGINS",
    defaultText: "(none: no CORS headers)",
    range: 'a comma-separated list of origins such as http://localhost:5173 (http://localhost:* for any port), or "*"',
    parse: (raw) => {
      const origins = raw
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);
      return origins.every((o) => o === "*" || isOriginPattern(o)) ? { corsOrigins: origins } : undefined;
    },
  },
  {
    name: "RESPONSE_VALIDATION",
    defaultText: "on",
    range: "on or off",
    parse: (raw) => ((value) => (value === undefined ? undefined : { validateResponses: value }))(onOff(raw)),
  },
  integer("RATE_LIMIT", "rateLimit", 0, 1_000_000_000, String(DEFAULTS.rateLimit), " calls per key and window (0: no limit)"),
  duration("RATE_LIMIT_WINDOW", "rateLimitWindowMs", SECOND, DAY, "60s"),
  oneOf("RATE_LIMIT_STORE", "rateLimitStore", ["auto", "database", "memory"], "auto: the database on PostgreSQL, memory on SQLite"),
  {
    name: "METRICS",
    defaultText: "on",
    range: "on or off",
    parse: (raw) => ((value) => (value === undefined ? undefined : { metrics: value }))(onOff(raw)),
  },
  integer("METRICS_PORT", "metricsPort", 0, 65535, "(none: /metrics is not served)", " (0: any free port)"),
  {
    name: "METRICS_HOST",
    defaultText: DEFAULTS.metricsHost,
    range: "a host name or address for the metrics listener, without spaces",
    parse: (raw) => (/^[^\s]{1,253}$/.test(raw) ? { metricsHost: raw } : undefined),
  },
  oneOf("LOG_FORMAT", "logFormat", ["auto", "json", "pretty"], "auto: pretty on a terminal, JSON otherwise"),
  duration("SHUTDOWN_DRAIN", "shutdownDrainMs", 0, 10 * 60 * SECOND, "5s"),
  duration("SQLITE_BUSY_TIMEOUT", "sqliteBusyTimeoutMs", 0, 10 * 60 * SECOND, "5s"),
  duration("DATABASE_CONNECT_TIMEOUT", "databaseConnectTimeoutMs", 100, 10 * 60 * SECOND, "5s"),
  duration("DATABASE_STATEMENT_TIMEOUT", "databaseStatementTimeoutMs", 100, HOUR, "5s"),
];

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const config: Config = { ...DEFAULTS };
  for (const setting of SETTINGS) {
    const raw = env[setting.name];
    if (raw === undefined || raw === "") continue;
    const value = setting.parse(raw);
    if (value === undefined) problems.push(`${setting.name}=${JSON.stringify(raw)} is not valid: expected ${setting.range}.`);
    else Object.assign(config, value);
  }
  // The lease is renewed once a batch: a pause longer than it would let another runner take the job over.
  const pauseMs = config.paceSessionsPerSecond > 0 ? (config.batchSize * 1000) / config.paceSessionsPerSecond : 0;
  if (pauseMs * 2 > config.leaseMs) {
    problems.push(
      `JOBS_PACE=${config.paceSessionsPerSecond} with JOBS_BATCH_SIZE=${config.batchSize} pauses ${pauseMs / 1000}s after a batch, ` +
        `more than half of JOBS_LEASE (${config.leaseMs / 1000}s): raise JOBS_PACE or JOBS_LEASE, or lower JOBS_BATCH_SIZE.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n  ${problems.join("\n  ")}`);
  return config;
}

/** scheme://host[:port], with port "*" for any (http://localhost:*); IPv6 hosts in brackets. */
const ORIGIN = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[^/\s:*[\]]+)(:(\d{1,5}|\*))?$/;

/**
 * An origin as a browser sends it (the URL parser's own serialization: lower-case host, a port
 * from 1 to 65535 without leading zeros and not the scheme's default), or one with ":*" for any
 * port: anything else could never match a browser's Origin.
 */
function isOriginPattern(text: string): boolean {
  if (!ORIGIN.test(text)) return false;
  const base = text.endsWith(":*") ? text.slice(0, -2) : text;
  const url = URL.canParse(base) ? new URL(base) : undefined;
  return url !== undefined && url.origin === base && url.port !== "0";
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");
LOOPBACK.addSubnet("::ffff:127.0.0.0", 104, "ipv6");

/** True for an address only this machine can reach: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(host: string): boolean {
  const address = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (address === "localhost") return true;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? "ipv6" : "ipv4");
}
