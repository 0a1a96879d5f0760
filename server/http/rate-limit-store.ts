// Where the per-key rate limit counts. express-rate-limit's default store is this process's
// memory, so N processes allowed N times the limit. The database store counts in the
// rate_limits table (store/rate-limits.ts: one atomic upsert a call), so every process on the
// database shares one count per key and window.
//
// Not a published store such as @acpr/rate-limit-postgresql: that one is PostgreSQL only, brings
// its own pool, pg version and migration tool, and creates a schema at run time (a privilege
// the app's role should not need). The table lives in our one migration history instead.
import type { ClientRateLimitInfo, Options, Store as ExpressRateLimitStore } from "express-rate-limit";
import type { Config } from "../config.js";
import type { Store } from "../store/types.js";

/**
 * RATE_LIMIT_STORE: database, memory, or auto = database on PostgreSQL (several processes are
 * the reason to use it) and memory on SQLite (usually one process; and a write on every call
 * would make reads wait while another process, such as a sessions import, holds the write lock).
 */
export function rateLimitStoreFor(store: Store, config: Pick<Config, "rateLimitStore">): ExpressRateLimitStore | undefined {
  const shared = config.rateLimitStore === "database" || (config.rateLimitStore === "auto" && store.dialect === "postgres");
  return shared ? new DatabaseRateLimitStore(store) : undefined;
}

export class DatabaseRateLimitStore implements ExpressRateLimitStore {
  /** Counts in one process affect every other: not local. */
  readonly localKeys = false;
  readonly prefix = "per-key:";
  private windowMs = 60_000;

  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const count = await this.store.rateLimitCount(this.prefix + key, this.clock());
    return count && { totalHits: count.hits, resetTime: new Date(count.resetAt) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const count = await this.store.rateLimitHit(this.prefix + key, this.clock(), this.windowMs);
    return { totalHits: count.hits, resetTime: new Date(count.resetAt) };
  }

  async decrement(key: string): Promise<void> {
    await this.store.rateLimitUnhit(this.prefix + key, this.clock());
  }

  async resetKey(key: string): Promise<void> {
    await this.store.rateLimitReset(this.prefix + key);
  }
}
