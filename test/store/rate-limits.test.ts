// The shared per-key rate-limit counts (store/rate-limits.ts): one atomic upsert a hit, a window
// that starts at the first hit after the last one ended, and concurrent hits all counted.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../server/store/types.js";
import { DatabaseRateLimitStore } from "../../server/http/rate-limit-store.js";
import { databases, openMigratedStore } from "../support/databases.js";
import { NOW } from "../support/jobs.js";

const WINDOW = 60_000;

describe.each(databases)("rate-limit counts on $name", (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await openMigratedStore(database);
  });
  afterEach(async () => {
    await store.close();
  });

  it("counts hits in a window, and starts again at 1 once the window has ended", async () => {
    expect(await store.rateLimitHit("k", NOW, WINDOW)).toEqual({ hits: 1, resetAt: NOW + WINDOW });
    expect(await store.rateLimitHit("k", NOW + 10, WINDOW)).toEqual({ hits: 2, resetAt: NOW + WINDOW });
    expect(await store.rateLimitHit("k", NOW + WINDOW - 1, WINDOW)).toEqual({ hits: 3, resetAt: NOW + WINDOW });
    expect(await store.rateLimitCount("k", NOW + 20)).toEqual({ hits: 3, resetAt: NOW + WINDOW });
    // The window ended: nothing counted any more, and the next hit opens a new window.
    expect(await store.rateLimitCount("k", NOW + WINDOW)).toBeUndefined();
    expect(await store.rateLimitHit("k", NOW + WINDOW + 5, WINDOW)).toEqual({ hits: 1, resetAt: NOW + 2 * WINDOW + 5 });
  });

  it("keys count apart; unhit takes one back; reset forgets the key", async () => {
    await store.rateLimitHit("a", NOW, WINDOW);
    await store.rateLimitHit("a", NOW, WINDOW);
    expect((await store.rateLimitHit("b", NOW, WINDOW)).hits).toBe(1);
    await store.rateLimitUnhit("a", NOW);
    expect((await store.rateLimitCount("a", NOW))?.hits).toBe(1);
    await store.rateLimitReset("a");
    expect(await store.rateLimitCount("a", NOW)).toBeUndefined();
    expect((await store.rateLimitCount("b", NOW))?.hits).toBe(1);
  });

  it("concurrent hits are all counted, each seeing its own count", async () => {
    const counts = await Promise.all(Array.from({ length: 40 }, () => store.rateLimitHit("busy", NOW, WINDOW)));
    expect(counts.map((c) => c.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it("the express-rate-limit store answers totalHits and resetTime from the table", async () => {
    const limiter = new DatabaseRateLimitStore(store, () => NOW);
    limiter.init({ windowMs: WINDOW } as Parameters<DatabaseRateLimitStore["init"]>[0]);
    expect(await limiter.increment("7")).toEqual({ totalHits: 1, resetTime: new Date(NOW + WINDOW) });
    expect(await limiter.increment("7")).toMatchObject({ totalHits: 2 });
    await limiter.decrement("7");
    expect(await limiter.get("7")).toEqual({ totalHits: 1, resetTime: new Date(NOW + WINDOW) });
    await limiter.resetKey("7");
    expect(await limiter.get("7")).toBeUndefined();
    expect(limiter.localKeys).toBe(false);
  });
});
