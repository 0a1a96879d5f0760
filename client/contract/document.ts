// The contract document: openapi.yaml with its $refs resolved by Redocly at generate time and its
// prose left out (generated/contract.json, written by `npm run generate`; see
// scripts/lib/contract-document.mjs). These types describe the parts code reads. Bundlers inline
// the JSON, so this runs in browsers as well as in Node.
import document from "../../generated/contract.json" with { type: "json" };

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A JSON Schema (2020-12, OpenAPI 3.1's dialect); the keywords parameters use are typed. */
export interface SchemaObject {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly enum?: readonly Json[];
  readonly const?: Json;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly [keyword: string]: unknown;
}

export type ParameterLocation = "path" | "query" | "header" | "cookie";

export interface ParameterObject {
  readonly name: string;
  readonly in: ParameterLocation;
  readonly required: boolean;
  readonly schema: SchemaObject;
  readonly example?: Json;
  /** The value is not personal data: logs and problem bodies may show it. */
  readonly "x-loggable"?: boolean;
}

export interface HeaderObject {
  readonly required: boolean;
  readonly schema: SchemaObject;
  readonly example?: Json;
}

export interface MediaTypeObject {
  readonly schema?: SchemaObject;
  readonly examples?: Readonly<Record<string, { readonly value: Json }>>;
}

export interface LinkObject {
  readonly operationId?: string;
  readonly parameters?: Readonly<Record<string, string>>;
}

export interface ResponseObject {
  readonly headers?: Readonly<Record<string, HeaderObject>>;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
  readonly links?: Readonly<Record<string, LinkObject>>;
}

export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface OperationObject {
  readonly operationId: string;
  readonly security?: readonly SecurityRequirement[];
  readonly parameters?: readonly ParameterObject[];
  readonly requestBody?: { readonly required: boolean; readonly content: Readonly<Record<string, MediaTypeObject>> };
  readonly responses: Readonly<Record<string, ResponseObject>>;
}

export type PathItemObject = { readonly parameters?: readonly ParameterObject[] } & {
  readonly [method: string]: OperationObject | readonly ParameterObject[] | undefined;
};

export interface SecuritySchemeObject {
  readonly type: string;
  readonly in?: "header" | "query" | "cookie";
  readonly name?: string;
  readonly scheme?: string;
}

export interface ContractDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly security?: readonly SecurityRequirement[];
  readonly paths: Readonly<Record<string, PathItemObject>>;
  readonly components: {
    readonly schemas?: Readonly<Record<string, SchemaObject>>;
    readonly securitySchemes?: Readonly<Record<string, SecuritySchemeObject>>;
  };
}

/** This package's own contract document. */
export const packageDocument = document as unknown as ContractDocument;
