// Revoking a key is immediate in every process. The tenant cache (tenant-cache.ts) keeps the
// organization of a key in memory; a rotation made through this store drops it at once, and one
// made by another process (`jobs-api org rotate-key`, another server) is announced:
// - PostgreSQL: rotateApiKey NOTIFYs on CHANNEL in its transaction (delivered at its commit), with
//   the organization's id; a store that authenticates keys LISTENs on a connection of its own and
//   drops that organization's entries. While that connection is not listening (not yet open,
//   lost, being opened again), the cache is not used: every lookup reads the database.
// - SQLite has no notifications between processes, but a cheap marker: PRAGMA data_version
//   changes when another connection has committed. Only then is the rotation counter read (one
//   row, bumped by rotateApiKey in its transaction), and when it moved every organization is
//   dropped.
import { sql, type Transaction } from "kysely";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import type { Logger } from "pino";
import type { Backend } from "./context.js";
import type { PostgresConnections } from "./postgres.js";
import type { Database } from "./schema.js";

/** The PostgreSQL notification channel of key rotations; the payload is the organization's id. */
export const CHANNEL = "jobs_api_key_rotations";

export interface RevocationWatch {
  /**
   * Whether the tenant cache may be used (read and filled) now. Called before each use; first
   * drops, through the watch's `forget`, what a rotation elsewhere made stale.
   */
  cacheUsable(): boolean;
  close(): Promise<void>;
}

/** Drops the cached keys of one organization, or of every one (undefined). */
export type Forget = (organizationId?: number) => void;

/** rotateApiKey's part, inside its transaction: the counter SQLite stores read, and PostgreSQL's notification. */
export async function announceRotation(trx: Transaction<Database>, dialect: Backend["dialect"], organizationId: number): Promise<void> {
  await trx
    .updateTable("key_rotations")
    .set((eb) => ({ total: eb("total", "+", 1) }))
    .execute();
  if (dialect === "postgres") await sql`select pg_notify(${CHANNEL}, ${String(organizationId)})`.execute(trx);
}

export function watchRevocations(backend: Backend, forget: Forget, logger: Logger | undefined): RevocationWatch {
  if (backend.dialect === "postgres") return new RevocationListener(backend.connections, forget, logger);
  // An in-memory database has no other connection: every rotation is made through this store.
  if (backend.path === ":memory:") return { cacheUsable: () => true, close: async () => undefined };
  return sqliteChangeMarker(backend.raw, forget);
}

/** A watch for a cache that is off: nothing to watch, nothing to open. */
export const NO_CACHE: RevocationWatch = { cacheUsable: () => false, close: async () => undefined };

function sqliteChangeMarker(raw: BetterSqlite3.Database, forget: Forget): RevocationWatch {
  // Prepared at the first lookup: the table exists once the store is migrated.
  let dataVersion: BetterSqlite3.Statement<[], number> | undefined;
  let rotations: BetterSqlite3.Statement<[], number> | undefined;
  let seenData: number | undefined;
  let seenRotations: number | undefined;
  return {
    cacheUsable() {
      dataVersion ??= raw.prepare<[], number>("pragma data_version").pluck();
      const data = dataVersion.get();
      if (data !== seenData) {
        rotations ??= raw.prepare<[], number>("select total from key_rotations").pluck();
        const total = rotations.get();
        if (seenRotations !== undefined && total !== seenRotations) forget();
        seenData = data;
        seenRotations = total;
      }
      return true;
    },
    close: async () => undefined,
  };
}

/** Reconnection delays after the listening connection is lost (doubling). */
const RETRY_MS = { first: 100, most: 5_000 };
/**
 * How often the listening connection is checked with a round trip: a connection whose peer is
 * gone without a word (a network partition) would otherwise look open while notifications are lost.
 */
const HEARTBEAT_MS = 5_000;

class RevocationListener implements RevocationWatch {
  private client: pg.Client | undefined;
  private listening = false;
  private started = false;
  private closed = false;
  private retryMs = RETRY_MS.first;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly connections: PostgresConnections,
    private readonly forget: Forget,
    private readonly logger: Logger | undefined,
  ) {}

  cacheUsable(): boolean {
    // Opened by the first lookup: a store that never authenticates a key (a CLI command) never listens.
    if (!this.started) {
      this.started = true;
      void this.listen();
    }
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = this.connections.client("key revocations");
    this.client = client;
    client.on("notification", (message) => {
      if (message.channel !== CHANNEL) return;
      const organizationId = Number(message.payload);
      this.forget(Number.isSafeInteger(organizationId) ? organizationId : undefined);
      this.logger?.debug({ organizationId }, "key rotated by another process: its cached keys dropped");
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return; // lost or closed meanwhile
    this.listening = true;
    this.retryMs = RETRY_MS.first;
    this.heartbeat = setInterval(() => {
      client.query("select 1").catch((error: unknown) => this.lost(client, error));
    }, HEARTBEAT_MS).unref();
    this.logger?.info("listening for key rotations: the tenant cache is on");
  }

  /** The connection failed or ended: the cache is off (and emptied) until a new one listens. */
  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client) return; // already handled
    this.client = undefined;
    clearInterval(this.heartbeat);
    const wasListening = this.listening;
    this.listening = false;
    this.forget();
    void client.end().catch(() => undefined);
    if (this.closed) return;
    if (wasListening) this.logger?.warn({ err: error }, "key rotation listener lost: the tenant cache is off until it listens again");
    this.retry = setTimeout(() => void this.listen(), this.retryMs).unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.most);
  }
}
