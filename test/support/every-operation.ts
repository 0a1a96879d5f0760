// For the tests that must cover every operation: the operations come from the contract core's
// table, never from a list typed into the test, so a new operation in openapi.yaml is exercised by
// them, or makes them fail for want of a case, without anyone remembering to add it.
import type { HeadersOptions } from "openapi-fetch";
import { contract, fillPath, type Operation, type OperationId } from "../../client/contract/index.js";
import type { JobsClient } from "../../client/index.js";

/** Path parameter values by name (projectKey, jobId, userId, ...); an operation may use some of them. */
export type PathValues = Readonly<Record<string, string | number>>;

export interface OperationRequest {
  operationId: OperationId;
  operation: Operation;
  /** Upper case, as sent. */
  method: string;
  /** The path template filled with the values, each percent-encoded as one segment. */
  path: string;
}

/**
 * The request of `operation` with these path values (throws when the operation needs a value not
 * given). Each value is percent-encoded as one segment, or with `{ encoded: true }` sent as it is
 * (a test's deliberately odd spelling: `%20`, `1e0`, `%ED%A0%80`).
 */
export function requestOf(operation: Operation, values: PathValues, options: { encoded?: boolean } = {}): OperationRequest {
  const asSent = (template: string) =>
    template.replace(/\{([^}]+)\}/g, (_, name: string) => {
      if (values[name] === undefined) throw new Error(`No value for path parameter ${name} of ${template}`);
      return String(values[name]);
    });
  // fillPath encodes each value; an already encoded one is put in as it is.
  const path = options.encoded ? asSent(operation.path) : fillPath(operation.path, values);
  return { operationId: operation.operationId, operation, method: operation.method.toUpperCase(), path };
}

/** Every operation of the contract, in the spec's order, as a request with these path values. */
export function requestsToEveryOperation(values: PathValues): OperationRequest[] {
  return contract.operations.map((operation) => requestOf(operation, values));
}

export interface ClientAnswer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** A call of `operation` through the typed client's `request`, with these path values (those it takes). */
export function callThroughClient(
  client: JobsClient,
  operation: Operation,
  values: PathValues,
  init: { headers?: HeadersOptions } = {},
): Promise<ClientAnswer> {
  const path = Object.fromEntries(operation.parameters.filter((p) => p.in === "path").map((p) => [p.name, values[p.name]]));
  const request = client.request as (method: string, path: string, init: object) => Promise<ClientAnswer>;
  return request(operation.method.toUpperCase(), operation.path, { params: { path }, ...init });
}

/** Whether the operation takes this path parameter (jobId: it names one job). */
export function hasPathParameter(operation: Operation, name: string): boolean {
  return operation.parameters.some((parameter) => parameter.in === "path" && parameter.name === name);
}

/**
 * The operations of the contract, each with its case from `cases`: a per-operation table of what a
 * test expects. Throws, naming them, when an operation of the contract has no case or a case names
 * no operation (the type already asks for one per OperationId; this holds for a spec changed since).
 */
export function casesOfEveryOperation<T>(cases: Readonly<Record<OperationId, T>>): Array<[Operation, T]> {
  const missing = contract.operations.filter((operation) => !Object.hasOwn(cases, operation.operationId)).map((o) => o.operationId);
  const unknown = Object.keys(cases).filter((id) => !contract.operations.some((operation) => operation.operationId === id));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(
      `a case for every operation of the contract: ${missing.length > 0 ? `none for ${missing.join(", ")}` : ""}` +
        `${missing.length > 0 && unknown.length > 0 ? "; " : ""}${unknown.length > 0 ? `no operation ${unknown.join(", ")}` : ""}`,
    );
  }
  return contract.operations.map((operation) => [operation, cases[operation.operationId]]);
}
