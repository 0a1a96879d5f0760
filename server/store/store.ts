// The Store over Kysely: one implementation for SQLite and PostgreSQL, composed of one module per
// concern. Dialect differences are few and marked where they are: the row-locking clause of the
// claim (claims.ts), how migrations are made exclusive (migrate.ts), the identity sequence after
// an explicit job id (fixtures.ts), and the import's connection (sessions.ts).
import { claimsStore } from "./claims.js";
import type { StoreContext } from "./context.js";
import { jobsStore } from "./jobs.js";
import { migrate } from "./migrate.js";
import { operationsStore } from "./operations.js";
import { sessionsStore } from "./sessions.js";
import { tenancyStore } from "./tenancy.js";
import type { Store } from "./types.js";

export type { Backend, StoreContext } from "./context.js";

/**
 * Where a store keeps its context, for fixtures.ts only: a symbol no other module has, so the
 * Store interface does not expose the database. A property (rather than a WeakMap keyed by the
 * store) still answers through a Proxy that tests put around a store.
 */
const CONTEXT = Symbol("store context");

export function createStore(context: StoreContext): Store {
  // The parts that hold more than the store's connection close it with the store: the deletion
  // worker (claims), the key-rotation listener (tenancy).
  const { close: closeClaims, ...claims } = claimsStore(context);
  const { close: closeTenancy, ...tenancy } = tenancyStore(context);
  const store: Store & { [CONTEXT]: StoreContext } = {
    [CONTEXT]: context,
    dialect: context.backend.dialect,
    migrate: () => migrate(context),
    close: async () => {
      await Promise.all([closeClaims(), closeTenancy()]);
      await context.db.destroy();
      // Kysely destroys only a driver it has used: a store closed before its first query (its
      // migrations run on connections of their own) must not open one afterwards.
      const { backend } = context;
      if (backend.dialect === "postgres" && !backend.pool.ending) await backend.pool.end();
      if (backend.dialect === "sqlite" && backend.raw.open) backend.raw.close();
    },
    ...tenancy,
    ...jobsStore(context),
    ...claims,
    ...sessionsStore(context),
    ...operationsStore(context),
  };
  return store;
}

/** The context a store was created with; throws for a Store that createStore did not make. */
export function contextOf(store: Store): StoreContext {
  const context = (store as Partial<Record<typeof CONTEXT, StoreContext>>)[CONTEXT];
  if (context === undefined) throw new Error("Not a store opened by openStore().");
  return context;
}
