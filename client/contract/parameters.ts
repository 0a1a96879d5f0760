// What is wrong with a request's path and query parameters, by the operation's parameter schemas,
// in the words the API answers with (a 400's detail). The server's validator decides; this gives
// the words (the server and the stateful mocks alike), and the rule the validator lacks: integers
// only in their canonical decimal form. Hand-written rather than Ajv, which the light client
// package must not carry: parameters use only these few keywords.
import type { SchemaObject } from "./document.js";
import type { Operation, Parameter } from "./operations.js";
import { problemWords } from "./problems.js";

export interface ParameterRules {
  /**
   * How integers may be written. "canonical" (the server): decimal digits without a sign or
   * leading zero, within the safe integers. "lenient" (Prism): anything Number() reads as an
   * integer ("01", "1e0", " 1").
   */
  integers: "canonical" | "lenient";
  /** Whether a query parameter the operation does not declare is refused (the server) or ignored (Prism). */
  unknownQuery: "reject" | "ignore";
}

export const SERVER_RULES: ParameterRules = { integers: "canonical", unknownQuery: "reject" };

/** A path segment as sent, decoded; undefined when it is not valid percent-encoded UTF-8. */
export function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

const CANONICAL = /^(0|-?[1-9][0-9]*)$/;

/** Code points, as JSON Schema counts a string's length (no array made when there is no surrogate pair). */
const length = (value: string) => (/[\uD800-\uDFFF]/.test(value) ? Array.from(value).length : value.length);

const patterns = new Map<string, RegExp>();
/** The spec's patterns, compiled once each (a handful). */
export function patternOf(pattern: string): RegExp {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) patterns.set(pattern, (compiled = new RegExp(pattern, "u")));
  return compiled;
}

function integerProblem(where: string, value: string, schema: SchemaObject, rules: ParameterRules): string | undefined {
  const coercible = value.trim() !== "" && Number.isInteger(Number(value));
  if (!CANONICAL.test(value)) {
    if (!coercible) return `${where} must be integer`;
    if (rules.integers === "canonical") {
      return (
        `${where} must be an integer written in plain decimal digits, such as ${schema.minimum ?? 1} ` +
        `(no sign, leading zero, decimal point, exponent, space or 0x/0b/0o prefix); got ${JSON.stringify(value)}.`
      );
    }
  }
  const n = Number(value);
  if (schema.minimum !== undefined && n < schema.minimum) return `${where} must be >= ${schema.minimum}`;
  if (schema.maximum !== undefined && n > schema.maximum) return `${where} must be <= ${schema.maximum}`;
  if (rules.integers === "canonical" && !Number.isSafeInteger(n)) {
    return `${where} must be an integer from ${schema.minimum ?? Number.MIN_SAFE_INTEGER} to ${schema.maximum ?? Number.MAX_SAFE_INTEGER}; got ${value}.`;
  }
  return undefined;
}

function valueProblem(where: string, value: string, schema: SchemaObject, rules: ParameterRules): string | undefined {
  if (schema.type === "integer") return integerProblem(where, value, schema, rules);
  if (schema.enum && !schema.enum.includes(value)) {
    return `${where} must be equal to one of the allowed values: ${schema.enum.map((v) => JSON.stringify(v).replace(/^"|"$/g, "")).join(", ")}`;
  }
  if (schema.minLength !== undefined && length(value) < schema.minLength) {
    return `${where} must NOT have fewer than ${schema.minLength} characters`;
  }
  if (schema.maxLength !== undefined && length(value) > schema.maxLength) {
    return `${where} must NOT have more than ${schema.maxLength} characters`;
  }
  if (schema.pattern !== undefined && !patternOf(schema.pattern).test(value)) {
    return `${where} must match pattern "${schema.pattern}"`;
  }
  return undefined;
}

/** What is wrong with one value of a parameter (in the API's words), or undefined when it is valid. */
export function parameterValueProblem(parameter: Parameter, value: string, rules: ParameterRules = SERVER_RULES): string | undefined {
  return valueProblem(`${parameter.in} parameter ${parameter.name}`, value, parameter.schema, rules);
}

/**
 * The first problem with the request's parameters, as a 400's detail, or undefined when they are
 * valid. `path` holds the path parameters as sent (percent-encoded, as Contract.route gives them);
 * `query` the request's query string (without `?`) or its URLSearchParams.
 */
export function parameterProblem<Id extends string>(
  operation: Operation<Id>,
  path: Readonly<Record<string, string | undefined>>,
  query: string | URLSearchParams,
  rules: ParameterRules = SERVER_RULES,
): string | undefined {
  const problem = pathParameterProblem(operation, path, rules);
  return problem !== undefined ? problem : queryParameterProblem(operation, query, rules);
}

// A route's path parameters are checked once per route and rules: the contract keeps the routes
// of the last requests (operations.ts), and a client polling a job sends the same path again.
const pathProblems = new WeakMap<object, { operation: object; rules: ParameterRules; problem: string | undefined }>();

function pathParameterProblem<Id extends string>(
  operation: Operation<Id>,
  path: Readonly<Record<string, string | undefined>>,
  rules: ParameterRules,
): string | undefined {
  const known = pathProblems.get(path);
  if (known !== undefined && known.operation === operation && known.rules === rules) return known.problem;
  const problem = firstPathProblem(operation, path, rules);
  pathProblems.set(path, { operation, rules, problem });
  return problem;
}

const decodes = new WeakMap<object, boolean>();

/** Whether every segment of a route's path parameters is valid percent-encoded UTF-8 (kept per route). */
export function pathDecodes(path: Readonly<Record<string, string | undefined>>): boolean {
  let known = decodes.get(path);
  if (known === undefined)
    decodes.set(path, (known = Object.values(path).every((segment) => segment === undefined || decodeSegment(segment) !== undefined)));
  return known;
}

function firstPathProblem<Id extends string>(
  operation: Operation<Id>,
  path: Readonly<Record<string, string | undefined>>,
  rules: ParameterRules,
): string | undefined {
  for (const parameter of operation.parameters) {
    if (parameter.in !== "path") continue;
    const raw = path[parameter.name];
    if (raw === undefined || raw === "") return problemWords.emptyPathParameter(parameter.name);
    const value = decodeSegment(raw);
    if (value === undefined) return problemWords.malformedPath;
    // In words, where the schema's pattern (which refuses them too) would be quoted.
    if (value === "." || value === "..") return problemWords.dotSegment(parameter.name);
    const problem = valueProblem(`path parameter ${parameter.name}`, value, parameter.schema, rules);
    if (problem) return problem;
  }
  return undefined;
}

function queryParameterProblem<Id extends string>(
  operation: Operation<Id>,
  query: string | URLSearchParams,
  rules: ParameterRules,
): string | undefined {
  if (query === "" && !operation.parameters.some((p) => p.in === "query" && p.required)) return undefined;
  const search = typeof query === "string" ? new URLSearchParams(query) : query;
  const declared = operation.parameters.filter((p) => p.in === "query");
  if (rules.unknownQuery === "reject") {
    for (const name of search.keys()) {
      if (!declared.some((p) => p.name === name)) return `Unknown query parameter '${name}'`;
    }
  }
  for (const parameter of declared) {
    const values = search.getAll(parameter.name);
    const where = `query parameter ${parameter.name}`;
    if (values.length === 0) {
      if (parameter.required) return `${where} is required`;
      continue;
    }
    const type = typeof parameter.schema.type === "string" ? parameter.schema.type : "string";
    if (values.length > 1) return `${where} must be ${type}`;
    if (values[0] === "") return `Empty value found for query parameter '${parameter.name}'`;
    const problem = valueProblem(where, values[0]!, parameter.schema, rules);
    if (problem) return problem;
  }
  return undefined;
}
