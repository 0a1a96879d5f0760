// What operating the server needs from the store: readiness (GET /readyz), the pool's use
// (metrics), and the per-key rate limit's counts shared by every process (rate-limits.ts).
import type { StoreContext } from "./context.js";
import { readiness } from "./readiness.js";
import { hitRateLimit, rateLimitCount, resetRateLimit, unhitRateLimit } from "./rate-limits.js";
import type { OperationsStore } from "./types.js";

export function operationsStore({ db, backend }: StoreContext): OperationsStore {
  return {
    readiness: () => readiness(db, backend.dialect),
    poolStats: () =>
      backend.dialect === "postgres"
        ? { total: backend.pool.totalCount, idle: backend.pool.idleCount, waiting: backend.pool.waitingCount }
        : undefined,
    rateLimitHit: (key, now, windowMs) => hitRateLimit(db, key, now, windowMs),
    rateLimitCount: (key, now) => rateLimitCount(db, key, now),
    rateLimitUnhit: (key, now) => unhitRateLimit(db, key, now),
    rateLimitReset: (key) => resetRateLimit(db, key),
  };
}
