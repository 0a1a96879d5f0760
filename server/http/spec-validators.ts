// Validators compiled once from the contract (generated/openapi.json), with the JSON Schema dialect
// (2020-12) and formats express-openapi-validator uses for OpenAPI 3.1: for the checks the server
// makes past the validator's middleware (the streamed list, whose answer does not go through res.json).
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { openApiDocument, specUrl } from "./spec.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Spec {
  security?: Json;
  paths: Record<string, Record<string, Json>>;
  components: Record<string, Record<string, Json>>;
}

const specs = new Map<string, Spec>();

/** The contract (the server's one parsed copy, server/http/spec.ts), or another document (tests). */
export function loadSpec(from: URL = specUrl()): Spec {
  if (from.href === specUrl().href) return openApiDocument() as unknown as Spec;
  let spec = specs.get(from.href);
  if (spec === undefined) {
    spec = JSON.parse(readFileSync(from, "utf8")) as Spec;
    specs.set(from.href, spec);
  }
  return spec;
}

const SPEC_ID = "urn:jobs-api:spec";
const ajvs = new Map<string, Ajv2020>();

function ajvFor(from: URL): Ajv2020 {
  let ajv = ajvs.get(from.href);
  if (ajv === undefined) {
    ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats.default(ajv, { mode: "fast" });
    // As express-openapi-validator defines them.
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 31 - 1 && n >= -(2 ** 31) });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 63 - 1 && n >= -(2 ** 63) });
    ajv.addSchema({ $id: SPEC_ID, components: loadSpec(from).components }, SPEC_ID);
    ajvs.set(from.href, ajv);
  }
  return ajv;
}

/** `#/components/...` references made absolute (to the contract's components). */
function absolute(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (schema === null || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `${SPEC_ID}${value}` : absolute(value),
    ]),
  );
}

/** A validator of `schema`, whose `#/components/...` references point into the contract. */
export function compileSpecValidator(schema: Json, from: URL = specUrl()): ValidateFunction {
  return ajvFor(from).compile(absolute(schema) as object);
}

/** A validator of one schema of the contract (components/schemas/<name>), compiled once. */
export function compileSchemaValidator(name: string, from: URL = specUrl()): ValidateFunction {
  if (loadSpec(from).components.schemas?.[name] === undefined) throw new Error(`no schema ${name} in ${from.pathname}`);
  return compileSpecValidator({ $ref: `#/components/schemas/${name}` }, from);
}
