// The IETF RateLimit and RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers) in the
// form express-rate-limit's `draft-8` writes them on the server, and the spec's RateLimit and
// RateLimitPolicy headers declare: for the answers that have no express-rate-limit behind them
// (test mode's simulated 429, the stateful MSW handlers' quota).

/** A quota: `limit` calls per window of `windowSeconds`. */
export interface RateLimitPolicy {
  limit: number;
  windowSeconds: number;
}

/** The quota the server applies by default (RATE_LIMIT, RATE_LIMIT_WINDOW), and so the mocks. */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = { limit: 600, windowSeconds: 60 };

/** The policy's name as express-rate-limit gives it: "600-in-1min", "10-in-30sec", "5-in-2hrs". */
export function rateLimitPolicyName({ limit, windowSeconds }: RateLimitPolicy): string {
  const minutes = windowSeconds / 60;
  const hours = minutes / 60;
  const days = hours / 24;
  const duration =
    windowSeconds < 60
      ? `${windowSeconds}sec`
      : minutes < 60
        ? `${minutes}min`
        : hours < 24
          ? `${hours}hr${hours > 1 ? "s" : ""}`
          : `${days}day${days > 1 ? "s" : ""}`;
  return `${limit}-in-${duration}`;
}

/**
 * The two fields for `remaining` calls left and a window ending in `resetSeconds`. Without the
 * policy's partition key (`pk`), which the spec leaves optional: it is a hash of the server's
 * counter key, and a mock has neither the key nor a synchronous hash in a browser.
 */
export function rateLimitFields(
  policy: RateLimitPolicy,
  remaining: number,
  resetSeconds: number,
): Record<"RateLimit" | "RateLimit-Policy", string> {
  const name = rateLimitPolicyName(policy);
  return {
    RateLimit: `"${name}"; r=${Math.max(0, remaining)}; t=${Math.max(0, Math.ceil(resetSeconds))}`,
    "RateLimit-Policy": `"${name}"; q=${policy.limit}; w=${policy.windowSeconds}`,
  };
}

/**
 * A fixed-window counter per key, as express-rate-limit's memory store keeps one: `count(key)`
 * counts a call and says whether it is within the quota, with the fields its answer carries.
 * For the mocks, whose keys are their few configured organizations: one window each, renewed
 * when it has ended.
 */
export function createRateLimitCounter(policy: RateLimitPolicy = DEFAULT_RATE_LIMIT, now: () => number = Date.now) {
  const windowMs = policy.windowSeconds * 1000;
  const windows = new Map<string, { calls: number; resetAt: number }>();
  return function count(key: string): { allowed: boolean; retryAfterSeconds: number; headers: Record<string, string> } {
    const at = now();
    let window = windows.get(key);
    if (window === undefined || window.resetAt <= at) windows.set(key, (window = { calls: 0, resetAt: at + windowMs }));
    window.calls += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.resetAt - at) / 1000));
    return {
      allowed: window.calls <= policy.limit,
      retryAfterSeconds: resetSeconds,
      headers: rateLimitFields(policy, policy.limit - window.calls, resetSeconds),
    };
  };
}
