// The contract the conformance checks hold answers to: the package's own generated/openapi.json
// (or a document the caller passes), and one function that says what is wrong with an answer
// according to it: undeclared status, undeclared media type, body not matching the schema,
// a declared header with a value its schema refuses.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** The parts of an OpenAPI 3.1 document the checks read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title?: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
}

/** One HTTP answer as the checks saw it. */
export interface AnswerToValidate {
  method: string;
  /** The request path (without the query). */
  path: string;
  status: number;
  headers: Headers;
  /** The body as received. */
  text: string;
}

interface ResponseObject {
  headers?: Record<string, { schema?: Record<string, unknown>; required?: boolean; $ref?: string }>;
  content?: Record<string, { schema?: Record<string, unknown> }>;
}

const SPEC_ID = "urn:jobs-api:conformance-spec";

/**
 * generated/openapi.json of the package this file belongs to. The file sits in client/conformance/
 * (sources) or dist/client/conformance/ (the built package, bundled), so the folders above it
 * are searched rather than one fixed relative path assumed.
 */
export function findPackageSpec(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "generated", "openapi.json");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`generated/openapi.json not found in the folders above ${from}`);
}

export function loadSpec(file: string = findPackageSpec()): OpenApiDocument {
  return JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Checks answers against an OpenAPI document; schema validators are compiled once each. */
export class SpecValidator {
  readonly version: string;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ template: string; pattern: RegExp }>;

  constructor(private readonly spec: OpenApiDocument) {
    this.version = spec.info.version;
    this.ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats.default(this.ajv, { mode: "fast" });
    // As express-openapi-validator defines them (OpenAPI's integer formats).
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 31 - 1 && n >= -(2 ** 31) });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 63 - 1 && n >= -(2 ** 63) });
    this.ajv.addSchema({ $id: SPEC_ID, components: { schemas: spec.components?.schemas ?? {} } });
    this.templates = Object.keys(spec.paths).map((template) => ({
      template,
      // A {parameter} matches one non-empty path segment.
      pattern: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map(escapeRegExp)
          .join("[^/]+")}$`,
      ),
    }));
  }

  /** The operationId for a method and path, if the document has such an operation. */
  operationId(method: string, path: string): string | undefined {
    const operation = this.operation(method, path);
    return operation && typeof operation.operationId === "string" ? operation.operationId : undefined;
  }

  /** What is wrong with an answer according to the document; empty when nothing is. */
  violations(answer: AnswerToValidate): string[] {
    const operation = this.operation(answer.method, answer.path);
    if (operation === undefined) return [`${answer.method} ${answer.path} is no operation of the spec`];
    const name = typeof operation.operationId === "string" ? operation.operationId : `${answer.method} ${answer.path}`;
    const responses = (operation.responses ?? {}) as Record<string, unknown>;
    // 2xx and 4xx answers must be declared one by one (the contract declares every 4xx an
    // operation can give); `default` describes the server errors (5xx) only.
    const declared = responses[String(answer.status)] ?? (answer.status >= 500 ? responses.default : undefined);
    if (declared === undefined) return [`status ${answer.status} is not declared for ${name}`];
    const response = this.resolve(declared) as ResponseObject;
    const problems: string[] = [];

    for (const [headerName, headerRef] of Object.entries(response.headers ?? {})) {
      const header = this.resolve(headerRef) as { schema?: Record<string, unknown>; required?: boolean };
      const value = answer.headers.get(headerName);
      if (value === null) {
        if (header.required) problems.push(`header ${headerName} is required in ${answer.status} answers of ${name}`);
        continue;
      }
      if (header.schema === undefined) continue;
      const schema = this.resolve(header.schema) as { type?: unknown };
      const typed = schema.type === "integer" || schema.type === "number" ? (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value) : value;
      const validate = this.validator(`header:${name}:${answer.status}:${headerName}`, header.schema);
      if (!validate(typed)) problems.push(`header ${headerName}: ${JSON.stringify(value)} ${describeErrors(validate)}`);
    }

    const content = response.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      if (answer.text !== "") problems.push(`a ${answer.status} answer of ${name} has no body, but one came`);
      return problems;
    }
    const type = mediaType(answer.headers.get("content-type"));
    const media = content[type];
    if (media === undefined) {
      problems.push(`Content-Type ${type || "(none)"} is not declared for ${answer.status} answers of ${name} (${mediaTypes.join(", ")})`);
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      problems.push(`the body is not JSON: ${JSON.stringify(answer.text.slice(0, 80))}`);
      return problems;
    }
    if (media.schema !== undefined) {
      const validate = this.validator(`body:${name}:${answer.status}:${type}`, media.schema);
      if (!validate(body)) problems.push(`the body does not match the ${answer.status} schema of ${name}: ${describeErrors(validate)}`);
    }
    // A problem body repeats the answer's status (RFC 9457 `status`, the contract's Problem.status).
    if (type === "application/problem+json" && isObject(body) && "status" in body && body.status !== answer.status) {
      problems.push(`the problem's status ${JSON.stringify(body.status)} differs from the HTTP status ${answer.status}`);
    }
    return problems;
  }

  private operation(method: string, path: string): Record<string, unknown> | undefined {
    const match = this.templates.find((t) => t.pattern.test(path));
    if (match === undefined) return undefined;
    const item = this.spec.paths[match.template]!;
    const operation = item[method.toLowerCase()];
    return isObject(operation) ? operation : undefined;
  }

  /** Follows local `$ref`s (#/components/...) of the document. */
  private resolve(value: unknown): unknown {
    let current = value;
    for (let depth = 0; isObject(current) && typeof current.$ref === "string" && depth < 10; depth++) {
      current = this.pointer(current.$ref);
    }
    return current;
  }

  private pointer(ref: string): unknown {
    if (!ref.startsWith("#/")) throw new Error(`only local references are supported, not ${ref}`);
    let node: unknown = this.spec;
    for (const raw of ref.slice(2).split("/")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      node = isObject(node) ? node[key] : undefined;
    }
    if (node === undefined) throw new Error(`${ref} does not exist in the spec`);
    return node;
  }

  private validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(rebase(schema) as Record<string, unknown>);
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

/** Points the document's local schema references at the schemas registered under SPEC_ID. */
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${SPEC_ID}${v}` : rebase(v)]),
  );
}

function describeErrors(validate: ValidateFunction): string {
  const [error] = validate.errors ?? [];
  if (error === undefined) return "is invalid";
  return `${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
