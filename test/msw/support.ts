// Shared by the MSW tests: the contract's declared answers (from the contract core's operation
// table), and one call per operation of the table, on the parameters' own examples.
import type { HeadersOptions } from "openapi-fetch";
import type { JobsClient } from "../../client/index.js";
import { contract, type Operation } from "../../client/contract/index.js";
import { declaredExamples, type DeclaredExample } from "../support/spec-schemas.js";
import { callThroughClient, type ClientAnswer } from "../support/every-operation.js";

export type { DeclaredExample } from "../support/spec-schemas.js";
export const declared: DeclaredExample[] = declaredExamples();

/** The projectKey parameter's example (the original document's project). */
export const DOC_PROJECT_KEY = contract.operation("listJobs").parameters.find((p) => p.name === "projectKey")!.example as string;

/** The answer each operation gives by default: the first example of its 200 response. */
export function defaultExample(operationId: string): DeclaredExample {
  const found = declared.find((d) => d.operationId === operationId && d.status === "200" && d.first);
  if (!found) throw new Error(`no 200 example for ${operationId}`);
  return found;
}

export type Init = { headers?: HeadersOptions };
export type Call = (client: JobsClient, init?: Init) => Promise<ClientAnswer>;

/** The operation's path parameters, each its spec example. */
export function exampleParameters(operation: Operation): Record<string, string | number> {
  return Object.fromEntries(operation.parameters.filter((p) => p.in === "path").map((p) => [p.name, p.example as string | number]));
}

/** A call of the operation with its parameters' examples, through the typed client's `request`. */
export function call(operationId: string): Call {
  const operation = contract.operations.find((o) => o.operationId === operationId);
  if (!operation) throw new Error(`no operation ${operationId}`);
  return (client, init) => callThroughClient(client, operation, exampleParameters(operation), init);
}
