// What every part of the store is built from: the Kysely instance and the connection under it.
import type { Kysely } from "kysely";
import type pg from "pg";
import type { Logger } from "pino";
import type BetterSqlite3 from "better-sqlite3";
import type { DatabaseSettings } from "../config.js";
import type { PostgresConnections } from "./postgres.js";
import type { Database } from "./schema.js";
import type { TenantCacheOptions } from "./tenant-cache.js";

/**
 * What a store runs on, besides its Kysely instance, and how it opens the other connections it
 * needs (the deletion worker's, the import's, ...) with the same settings.
 */
export type Backend =
  | { dialect: "sqlite"; raw: BetterSqlite3.Database; path: string; settings: DatabaseSettings }
  | { dialect: "postgres"; pool: pg.Pool; connections: PostgresConnections };

export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  readonly logger?: Logger;
  /** The tenant lookups' in-process cache (tenant-cache.ts); its defaults when not given. */
  readonly tenantCache?: TenantCacheOptions;
}
