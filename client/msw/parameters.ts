// Checks a request's path and query parameters against the operation's parameter schemas in the
// spec (type, range, length, pattern, enum), with the messages the reference server's validator
// gives (e.g. "query parameter limit must be <= 1000"). Hand-written rather than ajv: the client
// package must stay light, and the spec's parameters use only these few keywords.
import type { ParameterSchema, ParameterSpec } from "./spec.js";

export interface ParameterRules {
  /**
   * How integers may be written. "lenient": anything JavaScript's Number() reads as an integer
   * ("01", "1e0", " 1"), as Prism's coercion accepts. "canonical": decimal digits without a sign
   * or leading zero only.
   */
  integers: "lenient" | "canonical";
  /** Whether a query parameter the operation does not declare is refused (the reference server) or ignored (Prism). */
  unknownQuery: "reject" | "ignore";
}

/** Code points, as JSON Schema counts a string's length. */
function length(value: string): number {
  return Array.from(value).length;
}

function checkValue(where: string, value: string, schema: ParameterSchema, rules: ParameterRules): string | undefined {
  if (schema.type === "integer") {
    const ok = rules.integers === "canonical" ? /^(0|[1-9][0-9]*)$/.test(value) : value.trim() !== "" && Number.isInteger(Number(value));
    if (!ok) return `${where} must be integer`;
    const n = Number(value);
    if (schema.minimum !== undefined && n < schema.minimum) return `${where} must be >= ${schema.minimum}`;
    if (schema.maximum !== undefined && n > schema.maximum) return `${where} must be <= ${schema.maximum}`;
    return undefined;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return `${where} must be equal to one of the allowed values: ${schema.enum.join(", ")}`;
  }
  if (schema.minLength !== undefined && length(value) < schema.minLength) {
    return `${where} must NOT have fewer than ${schema.minLength} characters`;
  }
  if (schema.maxLength !== undefined && length(value) > schema.maxLength) {
    return `${where} must NOT have more than ${schema.maxLength} characters`;
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
    return `${where} must match pattern "${schema.pattern}"`;
  }
  return undefined;
}

/**
 * The first problem with the request's parameters, as a problem `detail`, or undefined when they
 * are valid. `path` holds the decoded path parameters; `query` the request's search parameters.
 */
export function parameterProblem(
  parameters: readonly ParameterSpec[],
  path: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
  rules: ParameterRules,
): string | undefined {
  for (const parameter of parameters.filter((p) => p.in === "path")) {
    const value = path[parameter.name];
    const where = `path parameter ${parameter.name}`;
    if (value === undefined || value === "") return `${where} must not be empty`;
    const problem = checkValue(where, value, parameter.schema, rules);
    if (problem) return problem;
  }
  const declared = new Set(parameters.filter((p) => p.in === "query").map((p) => p.name));
  if (rules.unknownQuery === "reject") {
    for (const name of query.keys()) {
      if (!declared.has(name)) return `Unknown query parameter '${name}'`;
    }
  }
  for (const parameter of parameters.filter((p) => p.in === "query")) {
    const values = query.getAll(parameter.name);
    const where = `query parameter ${parameter.name}`;
    if (values.length === 0) {
      if (parameter.required) return `${where} is required`;
      continue;
    }
    if (values.length > 1) return `${where} must be ${parameter.schema.type ?? "string"}`;
    if (values[0] === "") return `Empty value found for query parameter '${parameter.name}'`;
    const problem = checkValue(where, values[0]!, parameter.schema, rules);
    if (problem) return problem;
  }
  return undefined;
}
