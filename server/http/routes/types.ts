// Request and response types of each operation, taken from generated/schema.ts so that a
// handler cannot drift from openapi.yaml. No hand-written copy of the Job type anywhere.
import type { Request, Response } from "express";
import type { operations } from "../../../generated/schema.js";

export type OperationId = keyof operations;
type Params<Op extends OperationId> = operations[Op]["parameters"];
export type PathParams<Op extends OperationId> = Params<Op>["path"];
export type QueryParams<Op extends OperationId> = NonNullable<Params<Op>["query"]>;
type Responses<Op extends OperationId> = operations[Op]["responses"];
export type OkBody<Op extends OperationId> = Responses<Op> extends { 200: { content: { "application/json": infer B } } } ? B : never;

/** The request as express-openapi-validator leaves it: path and query validated and coerced. */
export type OperationRequest<Op extends OperationId> = Request<PathParams<Op>, OkBody<Op>, never, QueryParams<Op>>;
export type OperationResponse<Op extends OperationId> = Response<OkBody<Op>>;
