// The contract the conformance checks hold answers to: the package's own (the contract core's
// table and validators), or an OpenAPI document the caller passes, dereferenced (every $ref
// resolved: `redocly bundle --dereferenced`), read into the same table. One function says what is
// wrong with an answer according to it: undeclared status, undeclared media type, a body that does
// not match the schema, a declared header with a value its schema refuses.
import { readFileSync } from "node:fs";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { contract as packageContract, contractOf, responseFor, type Contract, type ContractDocument } from "../contract/index.js";
import { createAjv, validatorsFor, type ContractValidators } from "../contract/validators.js";

/** An OpenAPI 3.1 document, every $ref resolved. */
export type OpenApiDocument = ContractDocument;

/** One HTTP answer as the checks saw it. */
export interface AnswerToValidate {
  method: string;
  /** The request path (without the query), as sent. */
  path: string;
  status: number;
  headers: Headers;
  /** The body as received. */
  text: string;
}

function hasReference(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasReference);
  if (node === null || typeof node !== "object") return false;
  return Object.entries(node).some(([key, value]) => (key === "$ref" && typeof value === "string") || hasReference(value));
}

/**
 * An OpenAPI document from a JSON file, for `--spec`: it must be dereferenced, since the kit
 * carries no resolver of its own (Redocly resolves them: the command is in the error).
 */
export function loadSpec(file: string): OpenApiDocument {
  const document = JSON.parse(readFileSync(file, "utf8")) as OpenApiDocument;
  if (typeof document !== "object" || document === null || typeof document.paths !== "object") {
    throw new Error("not an OpenAPI document (no paths)");
  }
  if (hasReference(document)) {
    throw new Error(
      "the document has $refs; give it dereferenced: npx @redocly/cli bundle openapi.yaml --dereferenced --ext json -o spec.json",
    );
  }
  return document;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Checks answers against a contract; schema validators are compiled once each. */
export class SpecValidator {
  readonly version: string;
  readonly contract: Contract<string>;
  private readonly validators: ContractValidators<string>;

  constructor(document?: OpenApiDocument) {
    this.contract = document === undefined ? packageContract : contractOf(document);
    this.version = this.contract.version;
    this.validators = validatorsFor(this.contract, createAjv());
  }

  /** The operationId for a method and path, if the document has such an operation. */
  operationId(method: string, path: string): string | undefined {
    const route = this.contract.route(method, path);
    return route.kind === "operation" ? route.operation.operationId : undefined;
  }

  /** The statuses of JobStatus, as the document declares them. */
  jobStatuses(): string[] {
    const statuses = this.contract.schema("JobStatus").enum;
    if (!Array.isArray(statuses)) throw new Error("the spec has no components.schemas.JobStatus enum");
    return statuses.map(String);
  }

  /** What is wrong with an answer according to the document; empty when nothing is. */
  violations(answer: AnswerToValidate): string[] {
    const route = this.contract.route(answer.method, answer.path);
    if (route.kind !== "operation") return [`${answer.method} ${answer.path} is no operation of the spec`];
    const { operation } = route;
    const name = operation.operationId;
    // 2xx and 4xx answers must be declared one by one (the contract declares every 4xx an
    // operation can give); `default` describes the server errors (5xx) only.
    const response = responseFor(operation, answer.status);
    if (response === undefined || (response.status === "default" && answer.status < 500)) {
      return [`status ${answer.status} is not declared for ${name}`];
    }
    const problems: string[] = [];

    for (const header of response.headers) {
      const value = answer.headers.get(header.name);
      if (value === null) {
        if (header.required) problems.push(`header ${header.name} is required in ${answer.status} answers of ${name}`);
        continue;
      }
      const numeric = header.schema.type === "integer" || header.schema.type === "number";
      const typed = numeric && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      const validate = this.validators.compile(header.schema);
      if (!validate(typed)) problems.push(`header ${header.name}: ${JSON.stringify(value)} ${describeErrors(validate)}`);
    }

    if (response.content.length === 0) {
      if (answer.text !== "") problems.push(`a ${answer.status} answer of ${name} has no body, but one came`);
      return problems;
    }
    const type = mediaType(answer.headers.get("content-type"));
    const media = response.content.find((m) => m.type === type);
    if (media === undefined) {
      const declared = response.content.map((m) => m.type).join(", ");
      problems.push(`Content-Type ${type || "(none)"} is not declared for ${answer.status} answers of ${name} (${declared})`);
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
      const validate = this.validators.compile(media.schema);
      if (!validate(body)) problems.push(`the body does not match the ${answer.status} schema of ${name}: ${describeErrors(validate)}`);
    }
    // A problem body repeats the answer's status (RFC 9457 `status`, the contract's Problem.status).
    if (type === "application/problem+json" && isObject(body) && "status" in body && body.status !== answer.status) {
      problems.push(`the problem's status ${JSON.stringify(body.status)} differs from the HTTP status ${answer.status}`);
    }
    return problems;
  }
}

function describeErrors(validate: ValidateFunction): string {
  const [error] = validate.errors ?? [];
  if (error === undefined) return "is invalid";
  return `${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
