// The per-key rate limit's counts, shared by every process on the database (the express-rate-limit
// store in server/http/rate-limit-store.ts calls these). One row per key: its hits in the current
// window and when that window ends. A window starts at the first hit after the last one ended.
// Every hit is one atomic upsert (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): PostgreSQL
// locks the row for the statement, SQLite runs one writer at a time, so concurrent hits from any
// number of processes are all counted and each sees its own count.
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface RateLimitCount {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Epoch ms when the window ends (the count then starts again at 1). */
  resetAt: number;
}

export async function hitRateLimit(db: Kysely<Database>, key: string, now: number, windowMs: number): Promise<RateLimitCount> {
  const row = await db
    .insertInto("rate_limits")
    .values({ key, hits: 1, reset_at: now + windowMs })
    .onConflict((conflict) =>
      conflict.column("key").doUpdateSet((eb) => {
        const ended = eb("rate_limits.reset_at", "<=", now);
        return {
          hits: eb
            .case()
            .when(ended)
            .then(1)
            .else(eb("rate_limits.hits", "+", 1))
            .end(),
          reset_at: eb.case().when(ended).then(eb.ref("excluded.reset_at")).else(eb.ref("rate_limits.reset_at")).end(),
        };
      }),
    )
    .returning(["hits", "reset_at"])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), resetAt: Number(row.reset_at) };
}

/** The key's count in its current window; undefined when it has none (no hit, or the window ended). */
export async function rateLimitCount(db: Kysely<Database>, key: string, now: number): Promise<RateLimitCount | undefined> {
  const row = await db
    .selectFrom("rate_limits")
    .select(["hits", "reset_at"])
    .where("key", "=", key)
    .where("reset_at", ">", now)
    .executeTakeFirst();
  return row && { hits: Number(row.hits), resetAt: Number(row.reset_at) };
}

/** Takes one hit back (express-rate-limit's decrement), within the current window only. */
export async function unhitRateLimit(db: Kysely<Database>, key: string, now: number): Promise<void> {
  await db
    .updateTable("rate_limits")
    .set((eb) => ({ hits: eb("hits", "-", 1) }))
    .where("key", "=", key)
    .where("hits", ">", 0)
    .where("reset_at", ">", now)
    .execute();
}

export async function resetRateLimit(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom("rate_limits").where("key", "=", key).execute();
}
