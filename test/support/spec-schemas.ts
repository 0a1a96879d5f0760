// The spec's schemas for ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1), shared by the
// tests that validate data against generated/openapi.json: the examples (test/contract/examples)
// and the answers of mocks (test/msw). validateAnswer checks one HTTP answer of an operation:
// declared status, its media type, body against the schema, declared headers.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { ROOT } from "./redocly.js";
import { resolveRef } from "../../server/http/spec.js";

// ajv and ajv-formats are CommonJS; under NodeNext their default export is the module object.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
export type Ajv = InstanceType<typeof Ajv2020>;

type Json = any;

export const SCHEMAS_ID = "urn:jobs-api:components";

export function readSpec(): Json {
  return JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
}

/** The keywords whose subschemas constrain an instance that another schema describes. */
const COMPOSITION = new Set(["allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"]);
const SCHEMA_PREFIX = "#/components/schemas/";

/**
 * The named schemas used only as constraints: referenced from inside allOf/oneOf/... and never as
 * the description of a value (a property, an item, a response's or parameter's schema). JobState
 * and its parts are such: they hold `status` and `errors` only, and apply to a Job.
 */
export function constraintSchemas(doc: Json): Set<string> {
  const uses = new Map<string, boolean[]>(); // name → for each reference, whether it is inside a composition
  const walk = (node: Json, inComposition: boolean): void => {
    if (Array.isArray(node)) return node.forEach((item) => walk(item, inComposition));
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries<Json>(node)) {
      if (key === "$ref" && typeof value === "string" && value.startsWith(SCHEMA_PREFIX)) {
        const name = value.slice(SCHEMA_PREFIX.length);
        uses.set(name, [...(uses.get(name) ?? []), inComposition]);
      } else if (key !== "example" && key !== "examples") {
        walk(value, inComposition || COMPOSITION.has(key));
      }
    }
  };
  walk({ paths: doc.paths, components: { ...doc.components, schemas: undefined } }, false);
  for (const schema of Object.values<Json>(doc.components?.schemas ?? {})) walk(schema, false);
  return new Set([...uses].filter(([, inside]) => inside.every(Boolean)).map(([name]) => name));
}

/**
 * The schema as ajv gets it: `#/components/schemas/X` becomes a reference into one registered
 * schema holding all named schemas, and an object that lists `properties` without saying what
 * else it allows is closed (as Redocly's allowAdditionalProperties: false meant to), so a misspelt
 * field fails: with `unevaluatedProperties: false`, which counts the properties that its
 * allOf/oneOf branches evaluate too. Constraints are left open: the subschemas of a composition,
 * and a named schema used only as one (`closable: false`; see constraintSchemas).
 */
export function forAjv(node: Json, closable = true): Json {
  if (Array.isArray(node)) return node.map((item) => forAjv(item, closable));
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries<Json>(node)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(SCHEMA_PREFIX)) {
      out.$ref = `${SCHEMAS_ID}#/$defs/${value.slice(SCHEMA_PREFIX.length)}`;
    } else if (key === "example" || key === "examples") {
      out[key] = value; // data, not schema
    } else if (key === "properties" || key === "patternProperties" || key === "$defs") {
      out[key] = Object.fromEntries(Object.entries<Json>(value).map(([k, v]) => [k, forAjv(v, closable)]));
    } else {
      out[key] = forAjv(value, closable && !COMPOSITION.has(key));
    }
  }
  const open = "additionalProperties" in out || "unevaluatedProperties" in out;
  if (closable && out.properties && !open) out.unevaluatedProperties = false;
  return out;
}

/** A strict ajv with the OpenAPI formats and `doc`'s named schemas registered (compile forAjv(schema)). */
export function createSpecAjv(doc: Json): Ajv {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("float", { type: "number", validate: () => true });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addVocabulary(["example", "xml", "externalDocs", "discriminator"]);
  const constraints = constraintSchemas(doc);
  const named = Object.entries<Json>(doc.components?.schemas ?? {}).map(([name, schema]) => [name, forAjv(schema, !constraints.has(name))]);
  ajv.addSchema({ $id: SCHEMAS_ID, $defs: Object.fromEntries(named) });
  return ajv;
}

/** Follows local `$ref`s ("#/components/...") in `doc`: the server's one resolver. */
const resolve = (doc: Json, node: Json): Json => resolveRef<Json>(doc, node);

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
}

/**
 * Validates answers against the spec: `validate(operationId, answer)` returns what is wrong with
 * it (empty when it conforms): status not declared (nor `default`), Content-Type other than the
 * declared media type, a body that fails the declared schema, a declared header that fails its schema.
 */
export function answerValidator(doc: Json = readSpec()): (operationId: string, answer: HttpAnswer) => string[] {
  const ajv = createSpecAjv(doc);
  const compiled = new Map<unknown, ReturnType<Ajv["compile"]>>();
  const compile = (schema: Json) => {
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(forAjv(schema))));
    return validate;
  };
  const operations = new Map<string, Json>();
  for (const item of Object.values<Json>(doc.paths)) {
    for (const operation of Object.values<Json>(item)) {
      if (operation && typeof operation === "object" && operation.operationId) operations.set(operation.operationId, operation);
    }
  }
  return (operationId, answer) => {
    const operation = operations.get(operationId);
    if (!operation) return [`${operationId} is not an operation of the spec`];
    const where = `${operationId} ${answer.status}`;
    const declared = operation.responses[String(answer.status)] ?? operation.responses.default;
    if (!declared) return [`${where}: status not declared`];
    const response = resolve(doc, declared);
    const failures: string[] = [];
    const contentType = (answer.headers.get("Content-Type") ?? "").split(";")[0]!.trim();
    const media = response.content?.[contentType];
    if (!media) {
      failures.push(`${where}: Content-Type ${contentType || "(none)"} not declared (${Object.keys(response.content ?? {}).join(", ")})`);
    } else {
      const validate = compile(resolve(doc, media.schema));
      if (!validate(answer.body)) failures.push(`${where} body: ${ajv.errorsText(validate.errors, { dataVar: "body" })}`);
    }
    for (const [name, headerNode] of Object.entries<Json>(response.headers ?? {})) {
      const value = answer.headers.get(name);
      if (value === null) continue; // optional, e.g. Link only when a next page exists
      const header = resolve(doc, headerNode);
      const schema = resolve(doc, header.schema);
      const typed = schema.type === "integer" || schema.type === "number" ? Number(value) : value;
      const validate = compile(schema);
      if (!validate(typed)) failures.push(`${where} header ${name}: ${ajv.errorsText(validate.errors, { dataVar: name })}`);
    }
    if (media?.schema && typeof answer.body === "object" && answer.body && "status" in answer.body) {
      const problemStatus = answer.body.status;
      if (contentType === "application/problem+json" && problemStatus !== answer.status) {
        failures.push(`${where}: problem body says status ${String(problemStatus)}`);
      }
    }
    return failures;
  };
}
