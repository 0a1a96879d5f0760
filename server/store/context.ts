// What every part of the store is built from: the Kysely instance and the connection under it.
import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import type BetterSqlite3 from "better-sqlite3";
import type { Database } from "./schema.js";
import type { TenantCacheOptions } from "./tenant-cache.js";

/** What a store runs on, besides its Kysely instance. */
export type Backend = { dialect: "sqlite"; raw: BetterSqlite3.Database; path: string } | { dialect: "postgres"; pool: pg.Pool };

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  readonly logger?: Logger;
  /** The tenant lookups' in-process cache (tenant-cache.ts); its defaults when not given. */
  readonly tenantCache?: TenantCacheOptions;
}
