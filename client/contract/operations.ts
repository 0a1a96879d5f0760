// The operation table: every operation of the contract document, with what server, mocks, kit,
// scripts and tests need of it (method, path template and its matcher, parameters, declared
// statuses with their headers, media types, schemas and named examples), and the spec's path
// rules in one function (route). Lists of operations anywhere else are derived from this table.
import type { operations } from "../../generated/schema.js";
import {
  packageDocument,
  type ContractDocument,
  type HeaderObject,
  type Json,
  type LinkObject,
  type OperationObject,
  type ParameterObject,
  type SchemaObject,
  type SecurityRequirement,
  type SecuritySchemeObject,
} from "./document.js";

/** This package's operations: listJobs, getJob, cancelJob, deleteUserData. */
export type OperationId = keyof operations;

export const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"] as const;
export type Method = (typeof METHODS)[number];

export type Parameter = ParameterObject;

export interface Example {
  readonly name: string;
  readonly value: Json;
}

export interface MediaType {
  /** e.g. application/json, application/problem+json */
  readonly type: string;
  readonly schema: SchemaObject | undefined;
  /** The named examples, in document order (the first is what Prism serves by default). */
  readonly examples: readonly Example[];
}

export interface Header extends HeaderObject {
  readonly name: string;
}

export interface Response {
  /** The key under `responses`: "200", "404", "4XX" or "default". */
  readonly status: string;
  readonly headers: readonly Header[];
  /** In document order; empty when the answer has no body. */
  readonly content: readonly MediaType[];
  readonly links: Readonly<Record<string, LinkObject>>;
}

export interface Operation<Id extends string = OperationId> {
  readonly operationId: Id;
  readonly method: Method;
  /** The path template, e.g. /api/v1/{projectKey}/jobs/{jobId}. */
  readonly path: string;
  /** Path-level and operation-level parameters (an operation's own wins), in document order. */
  readonly parameters: readonly Parameter[];
  /** In document order (the order Prism searches them in). */
  readonly responses: readonly Response[];
  /** The operation's security requirements, or the document's. */
  readonly security: readonly SecurityRequirement[];
  readonly hasRequestBody: boolean;
}

/** Where a request goes, by the spec's path rules (see Contract.route). */
export type Route<Id extends string = OperationId> =
  /** An operation; `path` holds its path parameters as sent (still percent-encoded). */
  | { readonly kind: "operation"; readonly operation: Operation<Id>; readonly path: Readonly<Record<string, string>> }
  /** The path is an operation's, the method is not (405, with these methods in `Allow`). */
  | { readonly kind: "method-not-allowed"; readonly allowed: readonly Method[] }
  /** The path is an operation's (`template`) with its last path parameter empty or left out (400). */
  | { readonly kind: "empty-parameter"; readonly parameter: string; readonly template: string }
  /** No operation has this path (404). */
  | { readonly kind: "no-operation" };

export interface Contract<Id extends string = OperationId> {
  readonly document: ContractDocument;
  readonly title: string;
  readonly version: string;
  readonly operations: readonly Operation<Id>[];
  /** The operation with this id; throws when there is none. */
  operation(operationId: Id): Operation<Id>;
  /** A named schema (components/schemas/<name>); throws when there is none. */
  schema(name: string): SchemaObject;
  readonly securitySchemes: Readonly<Record<string, SecuritySchemeObject>>;
  /**
   * Where a request goes by the spec's path rules: paths exactly as the spec writes them (case
   * sensitive, no trailing slash, no empty segment), a path parameter is one non-empty segment.
   * `pathname` is the request's path as sent (percent-encoded, without the query).
   */
  route(method: string, pathname: string): Route<Id>;
}

/** How many (method, path) routes a contract keeps (a few requests in flight, each asking thrice). */
const RECENT_ROUTES = 64;

/** The segments of a template: a literal, or the name of the parameter it holds. */
type Segment = { readonly literal: string } | { readonly parameter: string };

function segmentsOf(template: string): Segment[] {
  return template.split("/").map((part) => {
    const name = /^\{([^}]+)\}$/.exec(part)?.[1];
    return name === undefined ? { literal: part } : { parameter: name };
  });
}

/** The raw path parameters when the path's segments (`pathname.split("/")`) have the template's shape, else undefined. */
function matchSegments(segments: readonly Segment[], parts: readonly string[]): Readonly<Record<string, string>> | undefined {
  if (parts.length !== segments.length) return undefined;
  const values: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if ("literal" in segment) {
      if (part !== segment.literal) return undefined;
    } else {
      if (part === "") return undefined;
      values[segment.parameter] = part;
    }
  }
  return Object.freeze(values);
}

function mergeParameters(shared: readonly ParameterObject[] = [], own: readonly ParameterObject[] = []): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const parameter of [...shared, ...own]) byKey.set(`${parameter.in} ${parameter.name}`, parameter);
  return [...byKey.values()];
}

function responsesOf(operation: OperationObject): Response[] {
  return Object.entries(operation.responses).map(([status, response]) => ({
    status,
    headers: Object.entries(response.headers ?? {}).map(([name, header]) => ({ name, ...header })),
    content: Object.entries(response.content ?? {}).map(([type, media]) => ({
      type,
      schema: media.schema,
      examples: Object.entries(media.examples ?? {}).map(([name, example]) => ({ name, value: example.value })),
    })),
    links: response.links ?? {},
  }));
}

/** The declared response an answer with this status is held to: exact, then 4XX-style, then default. */
export function responseFor<Id extends string>(operation: Operation<Id>, status: number | string): Response | undefined {
  const key = String(status);
  return (
    operation.responses.find((r) => r.status === key) ??
    operation.responses.find((r) => r.status === `${key[0]}XX`) ??
    operation.responses.find((r) => r.status === "default")
  );
}

/** The operation table of a contract document (this package's, or another, e.g. the kit's --spec). */
export function contractOf<Id extends string = string>(document: ContractDocument): Contract<Id> {
  const operations: Operation<Id>[] = [];
  const templates: Array<{ segments: Segment[]; operations: Operation<Id>[] }> = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const here: Operation<Id>[] = [];
    for (const method of METHODS) {
      const operation = item[method] as OperationObject | undefined;
      if (operation === undefined) continue;
      here.push({
        operationId: operation.operationId as Id,
        method,
        path,
        parameters: mergeParameters(item.parameters, operation.parameters),
        responses: responsesOf(operation),
        security: operation.security ?? document.security ?? [],
        hasRequestBody: operation.requestBody !== undefined,
      });
    }
    operations.push(...here);
    templates.push({ segments: segmentsOf(path), operations: here });
  }
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]));

  function matchRoute(method: string, pathname: string): Route<Id> {
    const wanted = method.toLowerCase();
    const parts = pathname.split("/");
    for (const template of templates) {
      const path = matchSegments(template.segments, parts);
      if (path === undefined) continue;
      const operation = template.operations.find((candidate) => candidate.method === wanted);
      if (operation !== undefined) return { kind: "operation", operation, path };
      return { kind: "method-not-allowed", allowed: template.operations.map((candidate) => candidate.method) };
    }
    // `/users` or `/users/`: an operation's path whose last segment, a parameter, is left out,
    // unless that shorter path is an operation's own (`/jobs/` is /jobs with a trailing slash).
    const shorter = (pathname.endsWith("/") ? pathname.slice(0, -1) : pathname).split("/");
    if (templates.some((template) => matchSegments(template.segments, shorter) !== undefined)) return { kind: "no-operation" };
    for (const template of templates) {
      const last = template.segments.at(-1);
      if (last === undefined || !("parameter" in last)) continue;
      if (matchSegments(template.segments.slice(0, -1), shorter) !== undefined) {
        return { kind: "empty-parameter", parameter: last.parameter, template: template.operations[0]!.path };
      }
    }
    return { kind: "no-operation" };
  }

  // The server asks for the route of one request three times (path rules, parameter checks, the
  // log line), with awaits between: the last few answers are kept. A route is a pure function of
  // (method, path) and frozen, so sharing one is safe.
  const recent = new Map<string, Route<Id>>();
  function route(method: string, pathname: string): Route<Id> {
    const key = `${method} ${pathname}`;
    let found = recent.get(key);
    if (found === undefined) {
      found = Object.freeze(matchRoute(method, pathname));
      if (recent.size >= RECENT_ROUTES) recent.delete(recent.keys().next().value!);
      recent.set(key, found);
    }
    return found;
  }

  return {
    document,
    title: document.info.title,
    version: document.info.version,
    operations,
    operation(operationId) {
      const operation = byId.get(operationId);
      if (operation === undefined) throw new Error(`The contract has no operation ${operationId}`);
      return operation;
    },
    schema(name) {
      const schema = document.components.schemas?.[name];
      if (schema === undefined) throw new Error(`The contract has no schema ${name}`);
      return schema;
    },
    securitySchemes: document.components.securitySchemes ?? {},
    route,
  };
}

/** This package's contract: the spec read once. */
export const contract: Contract<OperationId> = contractOf<OperationId>(packageDocument);

/** A path template with its parameters filled in, each percent-encoded as one segment. */
export function fillPath(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for path parameter ${name} of ${template}`);
    return encodeURIComponent(String(value));
  });
}
