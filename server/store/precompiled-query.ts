// Precompiled Kysely queries: build and compile a query once, at start-up, and run the same SQL
// with new parameter values on every call.
//
// Why: building a Kysely query (an immutable tree of frozen nodes) and compiling it to SQL costs
// about as much as running a primary-key lookup on SQLite, on every call, for a result that
// depends only on the query's shape (docs/performance.md). The shape is compiled once with
// placeholder values; each call puts the real values in their place and hands the compiled query
// to Kysely's executor, so the driver, its connections and its plugins run as before.
//
// The placeholders are unique strings. `precompile` checks at start-up that each one became
// exactly one parameter of the compiled query, so a query whose builder inspects or transforms
// a value (rather than passing it as a parameter) fails at start-up, not on a request.
import type { Compilable, CompiledQuery, QueryResult } from "kysely";

/** A placeholder for the parameter `name`; typed as the value it stands for. */
type Placeholders<P> = { readonly [K in keyof P]: P[K] };

/** Runs the query with these values, on the instance it was compiled for, or on `on` (a transaction of it). */
export type PrecompiledQuery<P, R> = (params: P, on?: QueryExecutor) => Promise<QueryResult<R>>;

const MARK = "\u0000precompiled-parameter:";

/** What precompile needs of a Kysely instance or transaction (of any schema): running a compiled query. */
export interface QueryExecutor {
  executeQuery<O>(query: CompiledQuery<O>): Promise<QueryResult<O>>;
}

export function precompile<P extends Record<string, unknown>, R>(
  db: QueryExecutor,
  names: ReadonlyArray<keyof P & string>,
  build: (params: Placeholders<P>) => Compilable<R>,
): PrecompiledQuery<P, R> {
  const placeholders = Object.fromEntries(names.map((name) => [name, `${MARK}${name}`])) as unknown as Placeholders<P>;
  const compiled: CompiledQuery<R> = build(placeholders).compile();
  const template = [...compiled.parameters];
  // slots[i] = the name whose value goes to parameter i, or undefined for a constant parameter.
  const slots = template.map((value) =>
    typeof value === "string" && value.startsWith(MARK) ? (value.slice(MARK.length) as keyof P & string) : undefined,
  );
  for (const name of names) {
    const count = slots.filter((slot) => slot === name).length;
    if (count !== 1) {
      throw new Error(`precompile: parameter "${name}" appears ${count} times in the compiled query (expected once): ${compiled.sql}`);
    }
  }
  return (params, on = db) => {
    const parameters = template.slice();
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (slot !== undefined) parameters[i] = params[slot];
    }
    return on.executeQuery<R>({ ...compiled, parameters });
  };
}
