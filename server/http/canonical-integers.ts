// Integer parameters (path and query) are accepted only as canonical decimal numerals: `1`, `3451`,
// `0` where 0 is in range; never `0x1`, `1e0`, `+1`, `1.0`, ` 1`, `0b1`, `0o1` or `01`, which
// name the same number in other notations and answer 400. The one place this is decided, for
// every parameter the spec types `integer`, read from the spec itself (spec.ts).
//
// Why here and not in the spec: the spec must keep `type: integer` (generated clients in
// TypeScript, Python and Go must see numbers for jobId, limit and after), and a JSON Schema
// `pattern` does not apply to a number. express-openapi-validator coerces the raw string with
// Number() before validating (coerceTypes: true), so every notation Number() reads passed as the
// same integer; turning coercion off would make every integer parameter fail its type check.
// So the raw strings are checked here, right after the validator, which has matched the
// operation and checked everything else (the range, for one). ajv also let a value too large
// for a double ("9" x 400, read as Infinity) through its maximum; this refuses anything beyond
// Number.MAX_SAFE_INTEGER too, so the routers can turn the strings into numbers with no check.
import type { NextFunction, Request, Response } from "express";
import { HttpProblem } from "./problems.js";
import { operationKey, operationParameters, rawPathValues, splitTarget, type SpecParameter } from "./spec.js";

/** Optional minus (not before 0), then 0 or digits without a leading zero. */
const CANONICAL = /^(0|-?[1-9][0-9]*)$/;

type ValidatedRequest = Request & { openapi?: { openApiRoute?: string } };

export function canonicalIntegers(req: ValidatedRequest, _res: Response, next: NextFunction): void {
  const route = req.openapi?.openApiRoute;
  const parameters = route === undefined ? undefined : integerParameters(req.method, route);
  if (route === undefined || parameters === undefined || parameters.length === 0) {
    next();
    return;
  }
  const { path, query } = splitTarget(req.originalUrl);
  const pathValues = rawPathValues(route, path);
  const queryValues = new URLSearchParams(query);
  for (const parameter of parameters) {
    const raw = parameter.in === "path" ? pathValues?.get(parameter.name) : (queryValues.get(parameter.name) ?? undefined);
    if (raw === undefined) continue;
    const value = parameter.in === "path" ? decoded(raw) : raw; // URLSearchParams has decoded the query
    const problem = value === undefined ? `${parameter.name} is not valid percent-encoding.` : notCanonical(parameter, value);
    if (problem !== undefined) {
      next(new HttpProblem(400, "bad-request", problem));
      return;
    }
  }
  next();
}

/** Why `value` is not a canonical integer for `parameter`, in words; undefined when it is one. */
export function notCanonical(parameter: SpecParameter, value: string): string | undefined {
  const label = `${parameter.in === "path" ? "path" : "query"} parameter ${parameter.name}`;
  if (!CANONICAL.test(value)) {
    return (
      `${label} must be an integer written in plain decimal digits, such as ${parameter.schema.minimum ?? 1} ` +
      `(no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got ${JSON.stringify(value)}.`
    );
  }
  if (!Number.isSafeInteger(Number(value))) {
    const { minimum, maximum } = parameter.schema;
    return `${label} must be an integer from ${minimum ?? Number.MIN_SAFE_INTEGER} to ${maximum ?? Number.MAX_SAFE_INTEGER}; got ${value}.`;
  }
  return undefined;
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const byOperation = new Map<string, SpecParameter[]>();

/** The operation's parameters that the spec types integer (path and query), computed once per operation. */
function integerParameters(method: string, route: string): SpecParameter[] | undefined {
  const key = operationKey(method, route);
  let found = byOperation.get(key);
  if (found === undefined) {
    const all = operationParameters().get(key);
    if (all === undefined) return undefined;
    found = all.filter((p) => (p.in === "path" || p.in === "query") && p.schema.type === "integer");
    byOperation.set(key, found);
  }
  return found;
}
