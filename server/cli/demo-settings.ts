// How the demo data runs, shared by `serve --demo` (npm start) and the sandbox: a demo user's
// deletion is paced so that it stays `running` long enough to be seen by a person who polls
// every 2 s. No imports: main.ts reads these to write its help without loading the demo.

/** Sessions of each demo user. */
export const DEMO_SESSIONS_PER_USER = 120;

/**
 * The runner's pace for demo data, unless the environment sets it: batches of 10 sessions, 20
 * sessions a second, so a demo user's deletion stays `running` about 6 s (120 / 20).
 */
export const DEMO_PACING_ENV: Readonly<Record<string, string>> = {
  JOBS_BATCH_SIZE: "10",
  JOBS_PACE: "20",
};

/** `serve --demo`'s settings unless the environment sets them: a new job starts soon, and runs visibly. */
export const DEMO_SERVE_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  JOBS_START_DELAY: "10s",
  JOBS_POLL_INTERVAL: "1s",
  ...DEMO_PACING_ENV,
};

/** The environment over `defaults`: a variable that is unset or empty takes the default. */
export function withDefaults(
  env: Record<string, string | undefined>,
  defaults: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  return { ...defaults, ...given };
}
