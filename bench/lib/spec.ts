// The contract's JSON Schemas (from generated/openapi.json), as plain JSON Schema for fastify:
// $refs inlined, OpenAPI-only annotations dropped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./proc.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Spec = { components: { schemas: Record<string, Json> }; paths: Record<string, Record<string, Json>> };

export const spec = JSON.parse(readFileSync(join(ROOT, "generated/openapi.json"), "utf8")) as Spec;

/** Inlines `#/components/schemas/...` references and removes example and int64 formats. */
export function plain(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(plain);
  if (schema === null || typeof schema !== "object") return schema;
  const ref = schema.$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    const target = spec.components.schemas[name];
    if (target === undefined) throw new Error(`unknown $ref ${ref}`);
    // Sibling keywords of a $ref (OpenAPI 3.1 allows them) override the target's.
    const { $ref: _ref, ...siblings } = schema;
    return plain({ ...(target as Record<string, Json>), ...siblings });
  }
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "example" || key === "examples" || key === "description") continue;
    if (key === "format" && (value === "int64" || value === "int32")) continue;
    out[key] =
      key === "properties"
        ? Object.fromEntries(Object.entries(value as Record<string, Json>).map(([k, v]) => [k, plain(v)]))
        : plain(value);
  }
  return out;
}

export function schemaOf(name: string): Json {
  return plain({ $ref: `#/components/schemas/${name}` });
}

/** The parameters of an operation as a JSON Schema object per location (path, query). */
export function parametersOf(path: string, method: string, location: "path" | "query"): Record<string, Json> {
  const item = spec.paths[path] as Record<string, Json> & { parameters?: Json[] };
  const operation = item[method] as { parameters?: Json[] };
  const all = [...(item.parameters ?? []), ...(operation.parameters ?? [])] as Array<Record<string, Json>>;
  const resolved = all.map((p) =>
    typeof p.$ref === "string"
      ? ((spec.components as unknown as Record<string, Record<string, Json>>).parameters![p.$ref.split("/").pop()!] as Record<string, Json>)
      : p,
  );
  const mine = resolved.filter((p) => p.in === location);
  return {
    type: "object",
    properties: Object.fromEntries(mine.map((p) => [p.name as string, plain(p.schema!)])),
    required: mine.filter((p) => p.required).map((p) => p.name as string),
    additionalProperties: false,
  };
}
