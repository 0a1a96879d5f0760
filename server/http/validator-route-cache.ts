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
// How, scoped to the validator: its route lookup lives in one CommonJS module
// (openapi.metadata.js), which the validator reaches through a property of that module's exports
// at middleware creation. A second copy of that module is loaded from its own file, its require
// of path-to-regexp (the validator's own dependency) answered with the shared module's functions
// except pathToRegexp, which is a caching wrapper; the copy's applyOpenApiMetadata then replaces the
// original's in the validator's module. Nothing else changes: path-to-regexp's shared exports
// (Express's router, any other user in the host process) are untouched, and every other module
// the copy requires is the validator's own instance. A cached result depends only on the route
// and options, and the regexp is neither global nor sticky, so `regexp.exec` keeps no state
// between calls and one compiled regexp can serve every request.
//
// Optional: when it cannot be installed (the validator's files changed), a warning is logged once
// and the validator runs as shipped, only slower.
//
// Removal: when an express-openapi-validator release includes #1217 (or otherwise stops
// compiling routes per request), test/server/perf-shims.test.ts fails with a message saying so
// ("the validator no longer compiles routes per request"); then delete this file and its one
// call in server/http/app.ts, and the test's section about it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { compileFunction } from "node:vm";
import type { Logger } from "pino";

interface PathToRegexpResult {
  regexp: RegExp;
  keys: Array<{ type: string; name: string }>;
}
type PathToRegexp = (path: unknown, options?: Record<string, unknown>) => PathToRegexpResult;

/** Far more than the spec's routes; past it, new routes are compiled without caching. */
const MAX_ENTRIES = 1000;
/** Options that decide the result; a call with any other option is passed through uncached. */
const KNOWN_OPTIONS = new Set(["sensitive", "strict", "end", "trailing", "delimiter"]);
/** The validator's module with the route lookup, and the call this shim replaces in it. */
export const VALIDATOR_METADATA_MODULE = "express-openapi-validator/dist/middlewares/openapi.metadata.js";
const EXPECTED_CALL = "(0, path_to_regexp_1.pathToRegexp)(";

export interface RouteCacheStats {
  /** Calls answered from the cache. */
  hits: number;
  /** Calls that compiled (and, below MAX_ENTRIES, cached) a route. */
  misses: number;
  /** Calls with arguments the cache does not handle, passed straight through. */
  passedThrough: number;
}

export interface RouteCache {
  stats: RouteCacheStats;
  /** The caching pathToRegexp the validator's route lookup now calls. */
  pathToRegexp: PathToRegexp;
}

let installed: RouteCache | undefined;
let warned = false;

/**
 * Installs the cache once per process and answers it; undefined (after one warning) when it
 * cannot be installed. `metadataModule` names another module to patch: for tests only.
 */
export function installValidatorRouteCache(
  logger?: Pick<Logger, "warn">,
  metadataModule = VALIDATOR_METADATA_MODULE,
): RouteCache | undefined {
  if (installed !== undefined && metadataModule === VALIDATOR_METADATA_MODULE) return installed;
  try {
    const cache = install(metadataModule);
    if (metadataModule === VALIDATOR_METADATA_MODULE) installed = cache;
    return cache;
  } catch (error) {
    if (!warned) {
      warned = true;
      logger?.warn(
        { err: error },
        "the express-openapi-validator route cache (server/http/validator-route-cache.ts) could not be installed; running without it",
      );
    }
    return undefined;
  }
}

function install(metadataModule: string): RouteCache {
  const metadataFile = createRequire(import.meta.url).resolve(metadataModule);
  const validatorRequire = createRequire(metadataFile);
  const metadata = validatorRequire(metadataFile) as { applyOpenApiMetadata?: unknown };
  const shared = validatorRequire("path-to-regexp") as { pathToRegexp?: unknown };
  const source = readFileSync(metadataFile, "utf8");
  if (typeof metadata.applyOpenApiMetadata !== "function" || typeof shared.pathToRegexp !== "function" || !source.includes(EXPECTED_CALL)) {
    throw new Error(`${metadataModule} no longer looks up routes with ${EXPECTED_CALL}...): the shim does not apply`);
  }
  const cache = cachingPathToRegexp(shared.pathToRegexp as PathToRegexp);
  const copy = loadCommonJs(metadataFile, source, { "path-to-regexp": { ...shared, pathToRegexp: cache.pathToRegexp } });
  if (typeof copy.applyOpenApiMetadata !== "function") throw new Error(`${metadataModule}: its copy has no applyOpenApiMetadata`);
  metadata.applyOpenApiMetadata = copy.applyOpenApiMetadata;
  return cache;
}

/**
 * Evaluates a CommonJS file as Node would (vm.compileFunction with the same wrapper arguments),
 * with some of its require() answers replaced. Hand-rolled because Node has no public API to load a second
 * instance of a module with another dependency.
 */
function loadCommonJs(file: string, source: string, replaced: Record<string, unknown>): Record<string, unknown> {
  const require = createRequire(file);
  const requireWithReplacements = Object.assign(
    (id: string): unknown => (Object.hasOwn(replaced, id) ? replaced[id] : (require(id) as unknown)),
    require,
  );
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  wrapper.call(module.exports, module.exports, requireWithReplacements, module, file, dirname(file));
  return module.exports;
}

function cachingPathToRegexp(original: PathToRegexp): RouteCache {
  const stats: RouteCacheStats = { hits: 0, misses: 0, passedThrough: 0 };
  const cache = new Map<string, PathToRegexpResult>();
  const pathToRegexp: PathToRegexp = (path, options = {}) => {
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
  };
  return { stats, pathToRegexp };
}
