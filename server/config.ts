// Environment → typed, validated settings. Read once at start-up; an invalid setting stops the
// process with a message naming the variable, the bad value and what is accepted.
//
// Hand-written rather than a schema library: there are nine variables, each with its own small
// grammar (durations, "midnight", on/off), and the messages matter more than the plumbing.

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
   * Batches grow (doubling, from batchSize up to MAX_BATCH_SIZE) while one takes under half of
   * this, and shrink back (never under batchSize) when one takes longer; 0 = every batch batchSize.
   */
  batchTimeMs: number;
  leaseMs: number;
  runner: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Origins allowed by CORS; ["*"] allows any; [] disables CORS headers. */
  corsOrigins: string[];
  /** Response validation against openapi.yaml (on by default; RESPONSE_VALIDATION=off in production if you must). */
  validateResponses: boolean;
  /** Calls allowed per API key per rate-limit window (0 = no limit). */
  rateLimit: number;
  rateLimitWindowMs: number;
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
  batchTimeMs: 10,
  leaseMs: 60_000,
  runner: true,
  logLevel: "info",
  corsOrigins: [],
  validateResponses: true,
  rateLimit: 600,
  rateLimitWindowMs: 60_000,
};

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T | undefined, expected: string): T => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = parse(raw);
    if (value === undefined) {
      problems.push(`${name}=${JSON.stringify(raw)} is not valid: expected ${expected}.`);
      return fallback;
    }
    return value;
  };
  const integer = (min: number, max: number) => (raw: string) => {
    if (!/^\d+$/.test(raw)) return undefined;
    const n = Number(raw);
    return n >= min && n <= max ? n : undefined;
  };
  const duration = (min: number) => (raw: string) => {
    const ms = parseDuration(raw);
    return ms !== undefined && ms >= min ? ms : undefined;
  };
  const onOff = (raw: string) => ({ on: true, true: true, "1": true, off: false, false: false, "0": false })[raw.toLowerCase()] as
    | boolean
    | undefined;

  const config: Config = {
    port: read("PORT", DEFAULTS.port, integer(0, 65535), "a port number from 0 to 65535"),
    host: read("HOST", DEFAULTS.host, (raw) => raw, "a host name or address"),
    databaseUrl: read(
      "DATABASE_URL",
      DEFAULTS.databaseUrl,
      (raw) => (/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(raw) ? raw : undefined),
      "sqlite:PATH, postgres://… or postgresql://…",
    ),
    startDelay: read(
      "JOBS_START_DELAY",
      DEFAULTS.startDelay,
      (raw): StartDelay | undefined => {
        if (raw === "midnight") return { kind: "midnight" };
        const ms = parseDuration(raw);
        return ms === undefined ? undefined : { kind: "delay", ms };
      },
      '"midnight" (the next 00:00 UTC) or a duration such as 0s, 90s, 1h',
    ),
    pollIntervalMs: read("JOBS_POLL_INTERVAL", DEFAULTS.pollIntervalMs, duration(10), "a duration of at least 10ms, such as 5s"),
    batchSize: read("JOBS_BATCH_SIZE", DEFAULTS.batchSize, integer(1, 100_000), "an integer from 1 to 100000"),
    batchTimeMs: read("JOBS_BATCH_TIME", DEFAULTS.batchTimeMs, duration(0), "a duration such as 10ms (0ms: every batch JOBS_BATCH_SIZE)"),
    leaseMs: read("JOBS_LEASE", DEFAULTS.leaseMs, duration(100), "a duration of at least 100ms, such as 60s"),
    runner: read("JOBS_RUNNER", DEFAULTS.runner, onOff, "on or off"),
    logLevel: read(
      "LOG_LEVEL",
      DEFAULTS.logLevel,
      (raw) => (["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(raw) ? (raw as Config["logLevel"]) : undefined),
      "one of fatal, error, warn, info, debug, trace, silent",
    ),
    corsOrigins: read(
      "CORS_ORIGINS",
      DEFAULTS.corsOrigins,
      (raw) => {
        const origins = raw.split(",").map((o) => o.trim()).filter(Boolean);
        return origins.every((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o)) ? origins : undefined;
      },
      'a comma-separated list of origins such as http://localhost:5173, or "*"',
    ),
    validateResponses: read("RESPONSE_VALIDATION", DEFAULTS.validateResponses, onOff, "on or off"),
    rateLimit: read("RATE_LIMIT", DEFAULTS.rateLimit, integer(0, 1_000_000_000), "a whole number of calls (0 = no limit)"),
    rateLimitWindowMs: read("RATE_LIMIT_WINDOW", DEFAULTS.rateLimitWindowMs, duration(1000), "a duration of at least 1s, such as 60s"),
  };
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n  ${problems.join("\n  ")}`);
  return config;
}
