// The contract as data at run time: generated/openapi.json (openapi.yaml, bundled), read once.
// For the few values code needs besides what the validator enforces, such as the bounds a 400's
// words name, so they are read from the spec, never copied.
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

/** generated/openapi.json, from server/ (sources, tsx) or dist/server/ (the package). */
export function specUrl(): URL {
  const candidates = ["../generated/openapi.json", "../../generated/openapi.json"].map((path) => new URL(path, import.meta.url));
  const found = candidates.find((url) => existsSync(url));
  if (found === undefined) throw new Error(`generated/openapi.json not found (looked at ${candidates.map((url) => url.pathname).join(", ")})`);
  return found;
}

let document: OpenApiDocument | undefined;

/** The bundled spec, parsed on first use and kept. */
export function openApiDocument(): OpenApiDocument {
  return (document ??= JSON.parse(readFileSync(specUrl(), "utf8")) as OpenApiDocument);
}

/** An operation's parameter, with a components/parameters $ref resolved; throws when there is none. */
export function operationParameter(operationId: string, name: string, spec = openApiDocument()): Parameter {
  const resolve = (item: ParameterOrRef): Parameter => {
    if (!("$ref" in item)) return item;
    const found = spec.components.parameters?.[item.$ref.replace("#/components/parameters/", "")];
    if (found === undefined) throw new Error(`openapi.json: unresolved parameter ${item.$ref}`);
    return found;
  };
  for (const pathItem of Object.values(spec.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (operation === undefined || Array.isArray(operation) || operation.operationId !== operationId) continue;
      const parameter = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map(resolve).find((p) => p.name === name);
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
