// The contract as tests read it: the contract core's operation table and its Ajv configuration
// (client/contract/), with a stricter reading for tests — every error reported, and objects that
// list `properties` closed (as Redocly's no-invalid-media-type-examples does with
// allowAdditionalProperties: false), so a misspelt field fails. The whole document, prose and
// x-codeSamples included, comes from Redocly too (`redocly bundle --dereferenced`), never from a
// resolver of our own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contract as packageContract, responseFor, type Contract, type Json, type SchemaObject } from "../../client/contract/index.js";
import { createAjv } from "../../client/contract/validators.js";
import { ROOT, runRedocly } from "./redocly.js";

type Any = any;

/** generated/openapi.json: the bundled document, for tests of the document itself (its $refs, prose, components). */
export function readSpec(): Any {
  return JSON.parse(readFileSync(join(ROOT, "generated", "openapi.json"), "utf8"));
}

/** A document with every $ref resolved by Redocly (the whole of it: prose, examples, extensions). */
export async function dereferenced(document: unknown = readSpec()): Promise<Any> {
  const dir = mkdtempSync(join(tmpdir(), "jobs-api-deref-"));
  try {
    writeFileSync(join(dir, "openapi.json"), JSON.stringify(document));
    const result = await runRedocly(["bundle", join(dir, "openapi.json"), "--dereferenced", "--ext", "json", "-o", join(dir, "out.json")]);
    if (result.code !== 0) throw new Error(`redocly bundle --dereferenced failed:\n${result.stderr}`);
    return JSON.parse(readFileSync(join(dir, "out.json"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The schema with every object that lists `properties` and says nothing else about others closed. */
export function closed(node: Any): Any {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== "object") return node;
  const out: Any = {};
  for (const [key, value] of Object.entries<Any>(node)) {
    if (key === "example" || key === "examples" || key === "const" || key === "enum" || key === "default") out[key] = value;
    else if (key === "properties" || key === "patternProperties" || key === "$defs") {
      out[key] = Object.fromEntries(Object.entries<Any>(value).map(([k, v]) => [k, closed(v)]));
    } else out[key] = closed(value);
  }
  const open = ["additionalProperties", "unevaluatedProperties", "allOf", "anyOf", "oneOf", "$ref"].some((k) => k in out);
  if (out.properties && !open) out.additionalProperties = false;
  return out;
}

/** The project's Ajv, strict and reporting every error (compile closed(schema) for the closed reading). */
export const createSpecAjv = () => createAjv({ allErrors: true, strict: true, strictTypes: false });

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
}

/**
 * Validates answers against the contract: `validate(operationId, answer)` returns what is wrong with
 * it (empty when it conforms): status not declared (nor `default`), Content-Type other than a
 * declared media type, a body that fails the declared schema (closed), a declared header that
 * fails its schema, a problem whose `status` is not the answer's.
 */
export function answerValidator(contract: Contract<string> = packageContract): (operationId: string, answer: HttpAnswer) => string[] {
  const ajv = createSpecAjv();
  const compiled = new Map<SchemaObject, ReturnType<typeof ajv.compile>>();
  const compile = (schema: SchemaObject) => {
    let validate = compiled.get(schema);
    if (!validate) compiled.set(schema, (validate = ajv.compile(closed(schema))));
    return validate;
  };
  return (operationId, answer) => {
    const operation = contract.operations.find((o) => o.operationId === operationId);
    if (!operation) return [`${operationId} is not an operation of the spec`];
    const where = `${operationId} ${answer.status}`;
    const response = responseFor(operation, answer.status);
    if (!response) return [`${where}: status not declared`];
    const failures: string[] = [];
    const contentType = (answer.headers.get("Content-Type") ?? "").split(";")[0]!.trim();
    const media = response.content.find((m) => m.type === contentType);
    if (!media) {
      failures.push(`${where}: Content-Type ${contentType || "(none)"} not declared (${response.content.map((m) => m.type).join(", ")})`);
    } else if (media.schema) {
      const validate = compile(media.schema);
      if (!validate(answer.body)) failures.push(`${where} body: ${ajv.errorsText(validate.errors, { dataVar: "body" })}`);
    }
    for (const header of response.headers) {
      const value = answer.headers.get(header.name);
      if (value === null) continue; // optional, e.g. Link only when a next page exists
      const typed = header.schema.type === "integer" || header.schema.type === "number" ? Number(value) : value;
      const validate = compile(header.schema);
      if (!validate(typed)) failures.push(`${where} header ${header.name}: ${ajv.errorsText(validate.errors, { dataVar: header.name })}`);
    }
    const body = answer.body as { status?: unknown } | undefined;
    if (contentType === "application/problem+json" && body && typeof body === "object" && body.status !== answer.status) {
      failures.push(`${where}: problem body says status ${String(body.status)}`);
    }
    return failures;
  };
}

/** One (operation, status, named example) the contract declares, with what Prism answers for it. */
export interface DeclaredExample {
  operationId: string;
  /** "200", "404", ... or "default" */
  status: string;
  /** The HTTP status to ask for (default → the example's own `status`). */
  code: number;
  example: string;
  /** Whether it is the first example of its status. */
  first: boolean;
  mediaType: string;
  body: Json;
  /** Each declared header's example, as Prism sends it. */
  headers: Record<string, string>;
}

export function declaredExamples(contract: Contract<string> = packageContract): DeclaredExample[] {
  return contract.operations.flatMap((operation) =>
    operation.responses.flatMap((response) => {
      const headers = Object.fromEntries(response.headers.map((h) => [h.name, String(h.example as string | number)]));
      return response.content.flatMap((media) =>
        media.examples.map((example, index) => ({
          operationId: operation.operationId,
          status: response.status,
          code: response.status === "default" ? (example.value as { status: number }).status : Number(response.status),
          example: example.name,
          first: index === 0,
          mediaType: media.type,
          body: example.value,
          headers,
        })),
      );
    }),
  );
}
