// The hot reads (the spec's GET operations: getJob, listJobs) past express-openapi-validator's
// middleware chain, when the request is plainly valid, with the same checks done by validators
// compiled once from the contract.
//
// Why: the validator's chain costs more than everything else a GET does (bench/README.md, http:
// about a third of the server's CPU time per request, the database read included): five
// promise-based middlewares per request, a route lookup, the security handler run through
// Promise.all, parameters copied and re-validated as one object with the headers, res.json
// wrapped. Here, once per request: a regular expression picks the operation, the path and query
// parameters are checked by one precompiled validator, the same security handler runs, and
// res.json checks the answer against the operation's response schema for its status.
//
// Only what is plainly valid takes this path; everything else goes through the validator, which
// stays in charge of every refusal (400, 401 for a missing header, 404, 405, 413...) and its
// wording: a path with a percent-escape, a query with a repeated, unknown, empty or non-decimal
// parameter, any request body, a method other than GET, or a parameter its schema refuses.
// Answers are the same either way; test/server/fast-reads.test.ts compares both paths.
import { parse as parseQuery } from "node:querystring";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { compileSpecValidator, loadSpec, type Json } from "./spec-validators.js";

type SecurityHandler = (req: Request) => Promise<boolean>;

interface FastOperation {
  operationId: string;
  /** The spec's operation object, as the validator leaves it in req.openapi.schema. */
  schema: Json;
  /** The spec's path template ("/api/v1/{projectKey}/jobs"), as the validator names the route. */
  openApiRoute: string;
  /** The path template as a regular expression; a group per path parameter, in order. */
  pattern: RegExp;
  /** The path parameters in the pattern's order: name, and whether the schema is an integer. */
  pathParameters: Array<{ name: string; integer: boolean }>;
  /** The query parameters: name → whether the schema is an integer. */
  query: Map<string, boolean>;
  /** Validates { path: {...}, query: {...} } against the parameters' schemas. */
  parameters: ValidateFunction;
  /** status ("200", "4XX", "default") → the validator of its one content type, or null (no body). */
  responses: Map<string, ValidateFunction | null>;
}

const FAST = Symbol("fast read");
type Marked = Request & { [FAST]?: true };

/** Decimal integers as they are written: no sign, no leading zeros, no exponent (those go to the validator). */
const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;
/** Path segments without anything to decode. */
const PLAIN_SEGMENT = "([A-Za-z0-9._~@!$&'()*+,;=:-]+)";

export interface FastReads {
  /** The middleware to install before the validator: takes the plainly valid reads. */
  take: RequestHandler;
  /** Wraps each of the validator's middlewares so that requests taken here skip them. */
  skipping(validator: RequestHandler[]): RequestHandler[];
}

export function fastReads(options: { security: SecurityHandler; validateResponses: boolean; spec?: URL }): FastReads {
  const operations = buildOperations(options.spec);
  const take: RequestHandler = (req: Marked, res, next) => {
    if (req.method !== "GET" || typeof req.headers.authorization !== "string" || hasBody(req)) return next();
    const url = req.url;
    const mark = url.indexOf("?");
    const pathname = mark === -1 ? url : url.slice(0, mark);
    for (const operation of operations) {
      const match = operation.pattern.exec(pathname);
      if (match === null) continue;
      const values = parameterValues(operation, match, mark === -1 ? "" : url.slice(mark + 1));
      if (values === undefined || !operation.parameters(values)) return next();
      req[FAST] = true;
      // What the validator would have left for the code after it (the request log's route, the
      // canonical-integer check, metrics by operation): the matched route and operation of the spec.
      (req as Marked & { openapi?: { openApiRoute: string; schema: Json } }).openapi = {
        openApiRoute: operation.openApiRoute,
        schema: operation.schema,
      };
      // As the validator leaves it: the query parameters coerced to their types.
      Object.defineProperty(req, "query", { value: values.query, writable: true, configurable: true, enumerable: true });
      if (options.validateResponses) checkAnswers(operation, res, next);
      authenticate(options.security, req, next);
      return;
    }
    next();
  };
  return {
    take,
    skipping: (validator) =>
      validator.map((middleware) => (req: Marked, res: Response, next: NextFunction) => (req[FAST] ? next() : middleware(req, res, next))),
  };
}

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

/** The path and query parameters, typed; undefined when anything is not plainly valid. */
function parameterValues(
  operation: FastOperation,
  match: RegExpExecArray,
  search: string,
): { path: Record<string, unknown>; query: Record<string, unknown> } | undefined {
  const path: Record<string, unknown> = {};
  for (let i = 0; i < operation.pathParameters.length; i++) {
    const { name, integer } = operation.pathParameters[i]!;
    const value = match[i + 1]!;
    if (integer && !DECIMAL.test(value)) return undefined;
    path[name] = integer ? Number(value) : value;
  }
  const query: Record<string, unknown> = {};
  if (search !== "") {
    // Express's "simple" query parser is node:querystring's parse, as here.
    const parsed = parseQuery(search);
    for (const name in parsed) {
      const integer = operation.query.get(name);
      const value = parsed[name];
      if (integer === undefined || typeof value !== "string" || value === "") return undefined;
      if (integer && !DECIMAL.test(value)) return undefined;
      query[name] = integer ? Number(value) : value;
    }
  }
  return { path, query };
}

/** The security handler, with the validator's outcome: anything but `true` (or a throw) is a 401. */
function authenticate(security: SecurityHandler, req: Request, next: NextFunction): void {
  const refuse = (error: unknown) => {
    const status = (error as { status?: number } | undefined)?.status ?? 401;
    const message = (error as Error | undefined)?.message || "unauthorized";
    next(Object.assign(new Error(message), { status }));
  };
  security(req).then((ok) => (ok === true ? next() : refuse(undefined)), refuse);
}

/**
 * res.json checks the answer against the operation's response for its status, as the validator's
 * does: answers from 500 on are not checked; a body that breaks the schema becomes a 500 error.
 */
function checkAnswers(operation: FastOperation, res: Response, next: NextFunction): void {
  const json = res.json;
  res.json = function checked(this: Response, body: unknown) {
    res.json = json;
    if (res.headersSent || res.statusCode >= 500) return json.call(this, body);
    const problem = responseProblem(operation, res.statusCode, body);
    if (problem !== undefined) {
      next(Object.assign(new Error(problem), { status: 500 }));
      return this;
    }
    return json.call(this, body);
  } as Response["json"];
}

function responseProblem(operation: FastOperation, status: number, body: unknown): string | undefined {
  const key = String(status);
  const validate = operation.responses.has(key)
    ? operation.responses.get(key)
    : operation.responses.has(`${key[0]}XX`)
      ? operation.responses.get(`${key[0]}XX`)
      : operation.responses.get("default");
  if (validate === undefined) return `no schema defined for status code '${status}' in the openapi spec`;
  if (validate === null) return body === undefined ? undefined : "response should NOT have a body";
  if (body === undefined || body === null) return "response body required.";
  if (validate({ response: body })) return undefined;
  const [error] = validate.errors ?? [];
  return `response${error?.instancePath ?? ""} ${error?.message ?? "is not valid"}`;
}

/** The GET operations of the contract that can be checked here, compiled. */
function buildOperations(specUrl?: URL): FastOperation[] {
  const spec = loadSpec(specUrl);
  const operations: FastOperation[] = [];
  const resolve = <T>(node: Json): T => {
    const ref = (node as { $ref?: string }).$ref;
    if (ref === undefined) return node as T;
    const target = ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<Json>((at, part) => (at as Record<string, Json>)[part]!, spec as unknown as Json);
    return resolve<T>(target);
  };
  const globalSecurity = JSON.stringify(spec.security ?? []);
  for (const [template, item] of Object.entries(spec.paths)) {
    const get = item.get as Record<string, Json> | undefined;
    if (get === undefined || get.requestBody !== undefined) continue;
    // Only the contract's one security scheme, which the given handler implements.
    if (JSON.stringify(get.security ?? spec.security ?? []) !== globalSecurity || globalSecurity !== '[{"ApiKey":[]}]') continue;
    const declared = [...((item.parameters as Json[] | undefined) ?? []), ...((get.parameters as Json[] | undefined) ?? [])].map((p) =>
      resolve<{ name: string; in: string; required?: boolean; schema: Json }>(p),
    );
    if (declared.some((p) => p.in !== "path" && p.in !== "query")) continue;
    const operationId = get.operationId as string;
    const integer = (p: { schema: Json }) => resolve<{ type?: string }>(p.schema).type === "integer";
    const pathParameters: FastOperation["pathParameters"] = [];
    const pattern = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_match, name: string) => {
        const declaredHere = declared.find((p) => p.in === "path" && p.name === name);
        pathParameters.push({ name, integer: declaredHere !== undefined && integer(declaredHere) });
        return PLAIN_SEGMENT;
      })}$`,
    );
    const schemaOf = (location: "path" | "query") => {
      const mine = declared.filter((p) => p.in === location);
      return {
        type: "object",
        properties: Object.fromEntries(mine.map((p) => [p.name, p.schema])),
        required: mine.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      };
    };
    const query = new Map(declared.filter((p) => p.in === "query").map((p) => [p.name, integer(p)]));
    const responses = new Map<string, ValidateFunction | null>();
    let usable = true;
    for (const [status, response] of Object.entries((get.responses ?? {}) as Record<string, Json>)) {
      const content = resolve<{ content?: Record<string, { schema?: Json }> }>(response).content;
      const types = Object.keys(content ?? {});
      if (types.length > 1) usable = false; // which one applies would depend on the request: leave it to the validator
      const schema = types.length === 1 ? content![types[0]!]!.schema : undefined;
      responses.set(
        status,
        schema === undefined ? null : compileSpecValidator({ type: "object", properties: { response: schema }, required: ["response"] }),
      );
    }
    if (!usable) continue;
    operations.push({
      operationId,
      schema: get,
      openApiRoute: template,
      pattern,
      pathParameters,
      query,
      parameters: compileSpecValidator({ type: "object", properties: { path: schemaOf("path"), query: schemaOf("query") } }),
      responses,
    });
  }
  return operations;
}
