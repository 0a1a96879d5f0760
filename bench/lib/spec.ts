// The contract's JSON Schemas as plain JSON Schema for fastify, from the contract core (its $refs
// resolved by Redocly at generate time, its prose left out): only the OpenAPI integer formats go,
// which fastify's Ajv does not know.
import { contract } from "../../client/contract/index.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The schema without int32/int64 formats, anywhere in it. */
function plain(schema: unknown): Json {
  if (Array.isArray(schema)) return schema.map(plain);
  if (schema === null || typeof schema !== "object") return schema as Json;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === "format" && (value === "int64" || value === "int32")))
      .map(([key, value]) => [key, plain(value)]),
  );
}

export function schemaOf(name: string): Json {
  return plain(contract.schema(name));
}

/** The parameters of an operation as a JSON Schema object per location (path, query). */
export function parametersOf(path: string, method: string, location: "path" | "query"): Record<string, Json> {
  const operation = contract.operations.find((o) => o.path === path && o.method === method);
  if (operation === undefined) throw new Error(`no operation ${method} ${path}`);
  const mine = operation.parameters.filter((p) => p.in === location);
  return {
    type: "object",
    properties: Object.fromEntries(mine.map((p) => [p.name, plain(p.schema)])),
    required: mine.filter((p) => p.required).map((p) => p.name),
    additionalProperties: false,
  };
}
