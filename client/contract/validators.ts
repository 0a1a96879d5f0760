// The one Ajv configuration of the project (JSON Schema 2020-12, OpenAPI 3.1's dialect), with the
// formats express-openapi-validator uses, and the validators compiled from the contract. For Node
// code and bundles that carry Ajv (the server, the conformance kit, tests, the bench); the light
// client and the MSW handlers never import it.
import { Ajv2020, type Options, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { SchemaObject } from "./document.js";
import { contract as packageContract, responseFor, type Contract, type Operation } from "./operations.js";

/**
 * OpenAPI's number formats, defined as express-openapi-validator 5 defines them
 * (dist/framework/ajv/formats.js; test/contract/contract-core.test.ts compares the two).
 */
export const OPENAPI_FORMATS = {
  int32: { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 31 - 1 && n >= -(2 ** 31) },
  int64: { type: "number", validate: (n: number) => Number.isInteger(n) && n <= 2 ** 63 - 1 && n >= -(2 ** 63) },
  float: { type: "number", validate: (n: number) => typeof n === "number" },
  double: { type: "number", validate: (n: number) => typeof n === "number" },
} as const;

/** An Ajv with the project's dialect and formats; `options` for a test's stricter needs (allErrors, strict). */
export function createAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: false, ...options });
  addFormats.default(ajv, { mode: "fast" });
  for (const [name, format] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(name, format);
  // OpenAPI's annotations are not JSON Schema keywords; strict mode must know them.
  // (readOnly and writeOnly are JSON Schema's own metadata keywords.)
  ajv.addVocabulary(["example", "xml", "externalDocs", "discriminator"]);
  return ajv;
}

export interface ContractValidators<Id extends string> {
  /** A validator of a named schema (components/schemas/<name>), compiled once. */
  schema(name: string): ValidateFunction;
  /** A validator of any schema of the contract document, compiled once per schema object. */
  compile(schema: SchemaObject): ValidateFunction;
  /**
   * The validator of an answer's body for this operation, status and media type: undefined when
   * the operation declares no such answer; null when it declares one without a body.
   */
  responseBody(operation: Operation<Id>, status: number, mediaType: string): ValidateFunction | null | undefined;
}

export function validatorsFor<Id extends string>(contract: Contract<Id>, ajv: Ajv2020 = createAjv()): ContractValidators<Id> {
  const compiled = new WeakMap<object, ValidateFunction>();
  const compile = (schema: SchemaObject) => {
    let validate = compiled.get(schema);
    if (validate === undefined) compiled.set(schema, (validate = ajv.compile(schema)));
    return validate;
  };
  return {
    schema: (name) => compile(contract.schema(name)),
    compile,
    responseBody(operation, status, mediaType) {
      const response = responseFor(operation, status);
      if (response === undefined) return undefined;
      if (response.content.length === 0) return null;
      const media = response.content.find((m) => m.type === mediaType);
      return media?.schema === undefined ? undefined : compile(media.schema);
    },
  };
}

let packageValidators: ContractValidators<(typeof packageContract.operations)[number]["operationId"]> | undefined;

/** The validators of this package's contract, made on first use. */
export function contractValidators() {
  return (packageValidators ??= validatorsFor(packageContract));
}
