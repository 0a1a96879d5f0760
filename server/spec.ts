// What the server reads from the contract itself (generated/openapi.json, the bundled spec), once
// at start-up: the parameters of each operation, with their schemas resolved. Used where the
// validator's own view is not enough: logging only what is safe to log (request-log.ts) and
// accepting integers only in their canonical form (canonical-integers.ts).
import { existsSync, readFileSync } from "node:fs";

/** generated/openapi.json, from server/ or server/perf/ (sources, tsx) or dist/server/... (the package). */
export function generatedSpecUrl(): URL {
  const candidates = ["../generated/openapi.json", "../../generated/openapi.json", "../../../generated/openapi.json"].map(
    (path) => new URL(path, import.meta.url),
  );
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined) throw new Error(`generated/openapi.json not found (looked at ${candidates.map((url) => url.pathname).join(", ")})`);
  return found;
}

export interface ParameterSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

export interface SpecParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  schema: ParameterSchema;
}

/** "GET /api/v1/{projectKey}/jobs" → its parameters (path-level and operation-level, $refs resolved). */
export type OperationParameters = Map<string, SpecParameter[]>;

export const operationKey = (method: string, openApiRoute: string) => `${method.toUpperCase()} ${openApiRoute}`;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the spec's JSON

let cached: OperationParameters | undefined;

export function operationParameters(): OperationParameters {
  if (cached !== undefined) return cached;
  const from = generatedSpecUrl();
  const spec = JSON.parse(readFileSync(from, "utf8")) as Json;
  const resolve = (node: Json): Json => {
    let current = node;
    for (let hops = 0; typeof current?.$ref === "string" && hops < 10; hops++) {
      const path = (current.$ref as string).replace(/^#\//, "").split("/");
      current = path.reduce<Json>((object, key) => object?.[key.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
    }
    return current;
  };
  const table: OperationParameters = new Map();
  for (const [route, item] of Object.entries(spec.paths as Json)) {
    const shared = ((item as Json).parameters ?? []) as Json[];
    for (const [method, operation] of Object.entries(item as Json)) {
      if (method === "parameters" || typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const byName = new Map<string, SpecParameter>();
      for (const raw of [...shared, ...(((operation as Json).parameters ?? []) as Json[])]) {
        const parameter = resolve(raw);
        byName.set(`${parameter.in} ${parameter.name}`, { name: parameter.name, in: parameter.in, schema: resolve(parameter.schema ?? {}) });
      }
      table.set(operationKey(method, route), [...byName.values()]);
    }
  }
  cached = table;
  return table;
}

/**
 * The raw (still percent-encoded) value of each path parameter, read from a request path that
 * the validator matched to `openApiRoute` (strict routing: one segment per template segment);
 * undefined when the path does not have the template's shape.
 */
export function rawPathValues(openApiRoute: string, path: string): Map<string, string> | undefined {
  const template = openApiRoute.split("/");
  const segments = path.split("/");
  if (template.length !== segments.length) return undefined;
  const values = new Map<string, string>();
  template.forEach((part, index) => {
    const name = /^\{(.+)\}$/.exec(part)?.[1];
    if (name !== undefined) values.set(name, segments[index]!);
  });
  return values;
}

/** A request target split into its path and its query (without the `?`). */
export function splitTarget(url: string): { path: string; query: string } {
  const at = url.indexOf("?");
  return at === -1 ? { path: url, query: "" } : { path: url.slice(0, at), query: url.slice(at + 1) };
}
