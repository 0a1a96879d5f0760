// The spec as data for the MSW handlers: generated/openapi.json (openapi.yaml bundled) read for each
// operation's responses (named examples, header examples) and parameter schemas. Nothing is copied
// from the spec into code; bundlers inline the JSON, so this runs in browsers as well as in Node.
import document from "../../generated/openapi.json" with { type: "json" };
import type { operations } from "../index.js";

/** The operations of the Jobs API, by operationId: listJobs, getJob, cancelJob, deleteUserData. */
export type OperationId = keyof operations;

export interface ParameterSchema {
  type?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly string[];
}

export interface ParameterSpec {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: ParameterSchema;
}

export interface ExampleSpec {
  name: string;
  value: unknown;
}

export interface ResponseSpec {
  /** The key under `responses`: "200", "404", ... or "default". */
  status: string;
  /** The response's (only) media type, e.g. application/json or application/problem+json. */
  mediaType: string;
  /** The named examples of that media type, in document order. */
  examples: readonly ExampleSpec[];
  /** Each declared header with its example, as Prism sends it (e.g. Link, Retry-After). */
  headers: Readonly<Record<string, string>>;
}

export interface OperationSpec {
  operationId: OperationId;
  method: "get" | "delete";
  /** The OpenAPI path, e.g. /api/v1/{projectKey}/jobs/{jobId}. */
  path: string;
  parameters: readonly ParameterSpec[];
  /** In document order (the order Prism searches them in). */
  responses: readonly ResponseSpec[];
}

// The parts of the parsed OpenAPI document read here; any node may instead be a local `$ref`.
interface Reference {
  $ref: string;
}
type OrRef<T> = T | Reference;
interface ParameterNode {
  name: string;
  in: "path" | "query";
  required?: boolean;
  schema?: OrRef<ParameterSchema>;
}
interface ExampleNode {
  value?: unknown;
}
/** A header's example: a scalar (Link, Retry-After, ...). */
interface HeaderNode {
  example?: string | number;
  examples?: Record<string, OrRef<{ value?: string | number }>>;
}
interface ResponseNode {
  content?: Record<string, { examples?: Record<string, OrRef<ExampleNode>> }>;
  headers?: Record<string, OrRef<HeaderNode>>;
}
interface OperationNode {
  operationId: OperationId;
  parameters?: OrRef<ParameterNode>[];
  responses: Record<string, OrRef<ResponseNode>>;
}
interface DocumentNode {
  paths: Record<string, { parameters?: OrRef<ParameterNode>[]; get?: OperationNode; delete?: OperationNode }>;
}
// The JSON import's inferred type widens enums to string; generated/openapi.json is the linted spec.
const spec = document as unknown as DocumentNode;

function isReference(node: unknown): node is Reference {
  return typeof node === "object" && node !== null && typeof (node as { $ref?: unknown }).$ref === "string";
}

/** Follows local `$ref`s ("#/components/...") until a node that is not a reference. */
function resolve<T>(node: OrRef<T>): T {
  let current: unknown = node;
  for (let hops = 0; isReference(current); hops++) {
    const ref = current.$ref;
    if (hops > 20 || !ref.startsWith("#/")) throw new Error(`Cannot resolve ${ref} in generated/openapi.json`);
    current = ref
      .slice(2)
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<unknown>((at, part) => (at as Record<string, unknown> | null | undefined)?.[part], spec);
    if (current === undefined) throw new Error(`Unresolved ${ref} in generated/openapi.json`);
  }
  return current as T;
}

function parameterSpec(node: OrRef<ParameterNode>): ParameterSpec {
  const parameter = resolve(node);
  return {
    name: parameter.name,
    in: parameter.in,
    required: parameter.required === true,
    schema: resolve(parameter.schema ?? {}),
  };
}

function responseSpec(status: string, node: OrRef<ResponseNode>): ResponseSpec {
  const response = resolve(node);
  const [mediaType, content] = Object.entries(response.content ?? {})[0] ?? ["application/json", {}];
  const examples = Object.entries(content.examples ?? {}).map(([name, example]) => ({
    name,
    value: resolve(example).value,
  }));
  const headers: Record<string, string> = {};
  for (const [name, headerNode] of Object.entries(response.headers ?? {})) {
    const header = resolve(headerNode);
    const example = header.example ?? Object.values(header.examples ?? {}).map((node) => resolve(node))[0]?.value;
    if (example !== undefined) headers[name] = String(example);
  }
  return { status, mediaType, examples, headers };
}

function readOperations(): Map<string, OperationSpec> {
  const out = new Map<string, OperationSpec>();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of ["get", "delete"] as const) {
      const operation = item[method];
      if (!operation) continue;
      out.set(operation.operationId, {
        operationId: operation.operationId,
        method,
        path,
        parameters: [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(parameterSpec),
        responses: Object.entries(operation.responses).map(([status, response]) => responseSpec(status, response)),
      });
    }
  }
  return out;
}

let cache: Map<string, OperationSpec> | undefined;

/** What openapi.json declares for one operation. */
export function operationSpec(operationId: OperationId): OperationSpec {
  cache ??= readOperations();
  const operation = cache.get(operationId);
  if (!operation) throw new Error(`generated/openapi.json has no operation ${operationId}`);
  return operation;
}

/** Every operationId the spec declares, in document order. */
export function operationIds(): OperationId[] {
  cache ??= readOperations();
  return [...cache.keys()] as OperationId[];
}
