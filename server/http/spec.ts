// The contract as data at run time: generated/openapi.json (openapi.yaml, bundled), read once.
// For the few values code needs besides what the validator enforces: the bounds a 400's words
// name (read from the spec, never copied), what is safe to log (request-log.ts), and integers in
// their canonical form only (canonical-integers.ts).
import { existsSync, readFileSync } from "node:fs";

interface Parameter {
  name: string;
  in: string;
  schema?: { minimum?: number; maximum?: number };
}
type ParameterOrRef = Parameter | { $ref: string };
interface Operation {
  operationId?: string;
  parameters?: ParameterOrRef[];
}
type PathItem = Record<string, Operation | ParameterOrRef[] | undefined> & { parameters?: ParameterOrRef[] };

export interface OpenApiDocument {
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, unknown>; parameters?: Record<string, Parameter> };
}

/** generated/openapi.json, from server/http/ (sources, tsx) or dist/server/... (the package). */
export function specUrl(): URL {
  const candidates = ["../generated/openapi.json", "../../generated/openapi.json", "../../../generated/openapi.json"].map(
    (path) => new URL(path, import.meta.url),
  );
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined)
    throw new Error(`generated/openapi.json not found (looked at ${candidates.map((url) => url.pathname).join(", ")})`);
  return found;
}

let document: OpenApiDocument | undefined;

/** The bundled spec, parsed on first use and kept. */
export function openApiDocument(): OpenApiDocument {
  return (document ??= JSON.parse(readFileSync(specUrl(), "utf8")) as OpenApiDocument);
}

/**
 * Follows local `$ref`s ("#/components/...", JSON pointers) until a node that is not a reference;
 * throws on a reference that leads nowhere, leaves the document or loops.
 */
export function resolveRef<T = unknown>(spec: unknown, node: unknown): T {
  let current = node;
  for (let hops = 0; isReference(current); hops++) {
    const ref = current.$ref;
    if (hops > 20 || !ref.startsWith("#/")) throw new Error(`openapi.json: cannot resolve ${ref}`);
    current = ref
      .slice(2)
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<unknown>((at, part) => (typeof at === "object" && at !== null ? (at as Record<string, unknown>)[part] : undefined), spec);
    if (current === undefined) throw new Error(`openapi.json: unresolved ${ref}`);
  }
  return current as T;
}

function isReference(node: unknown): node is { $ref: string } {
  return typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string";
}

/** An operation's parameter, with a $ref resolved; throws when there is none. */
export function operationParameter(operationId: string, name: string, spec = openApiDocument()): Parameter {
  for (const pathItem of Object.values(spec.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (operation === undefined || Array.isArray(operation) || operation.operationId !== operationId) continue;
      const parameters = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((item) => resolveRef<Parameter>(spec, item));
      const parameter = parameters.find((p) => p.name === name);
      if (parameter !== undefined) return parameter;
    }
  }
  throw new Error(`openapi.json: operation ${operationId} has no parameter ${name}`);
}

/** An integer parameter's bounds, and their words for a 400's detail ("from 1 to 1000"). */
export function integerBounds(operationId: string, name: string): { minimum: number; maximum: number; words: string } {
  const { minimum, maximum } = operationParameter(operationId, name).schema ?? {};
  if (minimum === undefined || maximum === undefined) throw new Error(`openapi.json: ${operationId} ${name} has no minimum and maximum`);
  return { minimum, maximum, words: `from ${minimum} to ${maximum}` };
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
  const spec = openApiDocument() as unknown as Json;
  const table: OperationParameters = new Map();
  for (const [route, item] of Object.entries(spec.paths as Json)) {
    const shared = ((item as Json).parameters ?? []) as Json[];
    for (const [method, operation] of Object.entries(item as Json)) {
      if (method === "parameters" || typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const byName = new Map<string, SpecParameter>();
      for (const raw of [...shared, ...(((operation as Json).parameters ?? []) as Json[])]) {
        const parameter = resolveRef<{ name: string; in: SpecParameter["in"]; schema?: unknown }>(spec, raw);
        const schema = resolveRef<ParameterSchema>(spec, parameter.schema ?? {});
        byName.set(`${parameter.in} ${parameter.name}`, { name: parameter.name, in: parameter.in, schema });
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
