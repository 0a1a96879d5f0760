// Example-based MSW handlers: each operation answers the spec's named examples exactly as the Prism
// mock does (status, body, Content-Type, declared headers such as Link and Retry-After), chosen per
// request with the same `Prefer: code=..., example=...` header, or per test with a programmatic
// choice. Like Prism: no Authorization header answers 401, an invalid parameter answers the
// operation's 400 example, and path values do not change the answer.
import { HttpResponse, type HttpHandler } from "msw";
import { createOpenApiHttp } from "openapi-msw";
import type { paths } from "../index.js";
import { chooseAnswer, chooseRefusal, parsePrefer, PrismStyleError, type Answer, type ExampleChoice } from "./negotiate.js";
import { malformedPathHandler } from "./malformed.js";
import { parameterProblem } from "./parameters.js";
import { operationIds, operationSpec, type OperationId } from "./spec.js";

export type { ExampleChoice } from "./negotiate.js";

/** Where the mocked API is: the client's baseUrl. The Prism mock's address by default. */
export const DEFAULT_BASE_URL = "http://localhost:4010";

/** A choice of answer per operation, used when a request sends no `Prefer` of its own. */
export type ExampleScenario = Partial<Record<OperationId, ExampleChoice>>;

export interface ExampleHandlersOptions {
  /** The API's base URL, as given to createJobsClient (default http://localhost:4010); `*` matches any origin. */
  baseUrl?: string;
  /** The answer each operation gives when the request sends no `Prefer` (default: its first success example). */
  scenario?: ExampleScenario;
}

function toResponse(answer: Answer): HttpResponse<string> {
  return new HttpResponse(JSON.stringify(answer.body), {
    status: answer.status,
    headers: { ...answer.headers, "Content-Type": answer.mediaType },
  });
}

/**
 * The answer Prism gives for `operationId` with this choice, as a Response, e.g.
 * `exampleResponse("getJob", { status: 404 })` or `exampleResponse("getJob", { example: "failedJob" })`.
 * Throws when the operation has no such example.
 */
export function exampleResponse(operationId: OperationId, choice: ExampleChoice = {}): HttpResponse<string> {
  try {
    return toResponse(chooseAnswer(operationSpec(operationId), choice));
  } catch (error) {
    if (error instanceof PrismStyleError) {
      throw new Error(`${operationId} has no answer for ${JSON.stringify(choice)}: ${error.message}`);
    }
    throw error;
  }
}

/** What the handler answers to one request: Prism's checks, then the request's Prefer or the choice. */
function answerRequest(
  operationId: OperationId,
  request: Request,
  params: Readonly<Record<string, string | undefined>> | "malformed",
  choice: ExampleChoice | undefined,
): Answer {
  const operation = operationSpec(operationId);
  let prefer: ExampleChoice | undefined;
  try {
    prefer = parsePrefer(request.headers.get("Prefer"));
  } catch (error) {
    if (error instanceof PrismStyleError) return error.answer;
    throw error;
  }
  const wanted = prefer ?? choice ?? {};
  try {
    if (!request.headers.has("Authorization")) return chooseRefusal(operation, 401, wanted);
    const invalid =
      params === "malformed" ||
      parameterProblem(operation.parameters, params, new URL(request.url).searchParams, {
        integers: "lenient",
        unknownQuery: "ignore",
      }) !== undefined;
    if (invalid) return chooseRefusal(operation, 400, wanted);
    return chooseAnswer(operation, wanted);
  } catch (error) {
    if (error instanceof PrismStyleError) return error.answer;
    throw error;
  }
}

/**
 * One operation's example-based handler, answering `choice` unless the request sends its own
 * `Prefer`. Made for `server.use(exampleHandler("cancelJob", { status: 501 }))` in one test.
 */
export function exampleHandler(operationId: OperationId, choice?: ExampleChoice, options: { baseUrl?: string } = {}): HttpHandler {
  // Fail at set-up, not at the first request, when the choice names an example that does not exist.
  if (choice) exampleResponse(operationId, choice);
  const http = createOpenApiHttp<paths>({ baseUrl: options.baseUrl ?? DEFAULT_BASE_URL });
  switch (operationId) {
    case "listJobs":
      return http.get("/api/v1/{projectKey}/jobs", ({ request, params, response }) =>
        response.untyped(toResponse(answerRequest(operationId, request, params, choice))),
      );
    case "getJob":
      return http.get("/api/v1/{projectKey}/jobs/{jobId}", ({ request, params, response }) =>
        response.untyped(toResponse(answerRequest(operationId, request, params, choice))),
      );
    case "cancelJob":
      return http.delete("/api/v1/{projectKey}/jobs/{jobId}", ({ request, params, response }) =>
        response.untyped(toResponse(answerRequest(operationId, request, params, choice))),
      );
    case "deleteUserData":
      return http.delete("/api/v1/{projectKey}/users/{userId}", ({ request, params, response }) =>
        response.untyped(toResponse(answerRequest(operationId, request, params, choice))),
      );
    default:
      throw new Error(`No example handler for operation ${String(operationId satisfies never)}`);
  }
}

/**
 * Handlers for every operation that answer the spec's named examples as the Prism mock does:
 * by default each operation's first success example (listJobs also sends the spec's Link
 * example); a request picks another with `Prefer: code=404` / `Prefer: example=completedJob`,
 * and `scenario` sets what an operation answers when the request does not say.
 */
export function createExampleHandlers(options: ExampleHandlersOptions = {}): HttpHandler[] {
  const { baseUrl = DEFAULT_BASE_URL, scenario = {} } = options;
  return [
    malformedPathHandler(baseUrl, (operationId, request) =>
      toResponse(answerRequest(operationId, request, "malformed", scenario[operationId])),
    ),
    ...operationIds().map((operationId) => exampleHandler(operationId, scenario[operationId], { baseUrl })),
  ];
}
