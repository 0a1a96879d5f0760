// A shim for express-openapi-validator 5.6.2: memoises the path-to-regexp compilation its route
// lookup repeats on every request.
//
// Why: the validator's first middleware (applyOpenApiMetadata, lookupRoute in
// dist/middlewares/openapi.metadata.js) finds the operation of a request by scanning every route
// of the spec and calling `pathToRegexp(expressRoute, { sensitive, strict })` for each one, on
// every request, then throwing the compiled regexp away. Compiling costs far more than matching
// (parsing the route, building the pattern, `new RegExp`), and the cost grows with the spec.
// Upstream pull request cdimascio/express-openapi-validator#1217 ("perf: cache route matchers")
// caches the compiled matchers per OpenApiContext; until it ships, this does the same from
// outside.
//
// How: the validator calls `(0, path_to_regexp_1.pathToRegexp)(...)`, a property read on the
// path-to-regexp module's exports object at call time. We replace that property with a wrapper
// that answers the compiled { regexp, keys } of a (route, options) pair it has seen before. The
// result depends only on those inputs, and the regexp is neither global nor sticky, so
// `regexp.exec` keeps no state between calls and one compiled regexp can serve every request.
// Express's own router is unaffected: it calls path-to-regexp's `match` at start-up, whose
// internal calls do not go through the exports object.
//
// Removal: when an express-openapi-validator release includes #1217 (or otherwise stops
// compiling routes per request), test/server/perf-shims.test.ts fails with a message saying so
// ("the validator no longer compiles routes per request"); then delete this file and its one
// call in server/app.ts, and the test's section about it.
import { createRequire } from "node:module";

interface PathToRegexpResult {
  regexp: RegExp;
  keys: Array<{ type: string; name: string }>;
}
type PathToRegexp = (path: unknown, options?: Record<string, unknown>) => PathToRegexpResult;

const PATCHED = Symbol.for("jobs-api.validator-route-cache");
/** Far more than the spec's routes; past it, new routes are compiled without caching. */
const MAX_ENTRIES = 1000;
/** Options that decide the result; a call with any other option is passed through uncached. */
const KNOWN_OPTIONS = new Set(["sensitive", "strict", "end", "trailing", "delimiter"]);

export interface RouteCacheStats {
  /** Calls answered from the cache. */
  hits: number;
  /** Calls that compiled (and, below MAX_ENTRIES, cached) a route. */
  misses: number;
  /** Calls with arguments the cache does not handle, passed straight through. */
  passedThrough: number;
}

type PatchedFunction = PathToRegexp & { [PATCHED]: RouteCacheStats };

/** The path-to-regexp module object that express-openapi-validator's route lookup uses. */
export function validatorPathToRegexpModule(): { pathToRegexp: PathToRegexp } {
  const require = createRequire(import.meta.url);
  const metadata = require.resolve("express-openapi-validator/dist/middlewares/openapi.metadata.js");
  return createRequire(metadata)("path-to-regexp") as { pathToRegexp: PathToRegexp };
}

/** Installs the cache (idempotent) and answers its counters. */
export function installValidatorRouteCache(): RouteCacheStats {
  const module = validatorPathToRegexpModule();
  const current = module.pathToRegexp as Partial<PatchedFunction>;
  if (current[PATCHED] !== undefined) return current[PATCHED];

  const original = module.pathToRegexp;
  const stats: RouteCacheStats = { hits: 0, misses: 0, passedThrough: 0 };
  const cache = new Map<string, PathToRegexpResult>();
  const cached = ((path: unknown, options: Record<string, unknown> = {}) => {
    let key: string | undefined;
    if (typeof path === "string") {
      key = path;
      for (const name in options) {
        if (!KNOWN_OPTIONS.has(name)) {
          key = undefined;
          break;
        }
        key += `\u0000${name}=${String(options[name])}`;
      }
    }
    if (key === undefined) {
      stats.passedThrough++;
      return original(path, options);
    }
    const hit = cache.get(key);
    if (hit !== undefined) {
      stats.hits++;
      // A fresh object around the shared, stateless regexp and keys: a caller may keep it.
      return { regexp: hit.regexp, keys: hit.keys };
    }
    stats.misses++;
    const result = original(path, options);
    if (cache.size < MAX_ENTRIES && !result.regexp.global && !result.regexp.sticky) cache.set(key, result);
    return { regexp: result.regexp, keys: result.keys };
  }) as PatchedFunction;
  cached[PATCHED] = stats;
  module.pathToRegexp = cached;
  return stats;
}
