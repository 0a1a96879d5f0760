// Example-based MSW handlers: each operation answers the spec's named examples exactly as the Prism
// mock does (status, body, Content-Type, declared headers such as Link and Retry-After), chosen per
// request with the same `Prefer: code=..., example=...` header, or per test with a programmatic
// choice. Like Prism: no Authorization header answers 401, an invalid parameter answers the
// operation's 400 example, and path values do not change the answer. One handler per operation of
// the contract's table; a request reaches an operation by the spec's path rules (contract.route).
import { http, HttpResponse, type HttpHandler } from "msw";
import { contract, MOCK_BASE_URL, parameterProblem, type Operation, type OperationId } from "../contract/index.js";
import { chooseAnswer, chooseRefusal, parsePrefer, prismError, PrismStyleError, type Answer, type ExampleChoice } from "./negotiate.js";
import { scopeOf, type Target } from "./scope.js";

export type { ExampleChoice } from "./negotiate.js";

/** Where the mocked API is by default: the Prism mock's address (`npm run mock`). */
export const DEFAULT_BASE_URL = MOCK_BASE_URL;

/** A choice of answer per operation, used when a request sends no `Prefer` of its own. */
export type ExampleScenario = Partial<Record<OperationId, ExampleChoice>>;

export interface ExampleHandlersOptions {
  /** The API's base URL, as given to createJobsClient (default http://127.0.0.1:4010); `*` matches any origin. */
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
    return toResponse(chooseAnswer(contract.operation(operationId), choice));
  } catch (error) {
    if (error instanceof PrismStyleError) {
      throw new Error(`${operationId} has no answer for ${JSON.stringify(choice)}: ${error.message}`);
    }
    throw error;
  }
}

/** What the handler answers to one request: Prism's checks, then the request's Prefer or the choice. */
function answerRequest(
  operation: Operation,
  request: Request,
  path: Readonly<Record<string, string>>,
  target: Target,
  choice: ExampleChoice | undefined,
): Answer {
  try {
    const wanted = parsePrefer(request.headers.get("Prefer")) ?? choice ?? {};
    if (!request.headers.has("Authorization")) return chooseRefusal(operation, 401, wanted);
    const invalid = parameterProblem(operation, path, target.search, { integers: "lenient", unknownQuery: "ignore" }) !== undefined;
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
  const scope = scopeOf(options.baseUrl);
  return http.all(scope.pattern, ({ request }) => {
    const target = scope.targetOf(request);
    const route = target && contract.route(request.method, target.pathname);
    // Another operation's request (or none): the next handler's.
    if (route?.kind !== "operation" || route.operation.operationId !== operationId) return undefined;
    return toResponse(answerRequest(route.operation, request, route.path, target!, choice));
  });
}

/**
 * Every other request to the base URL, answered as Prism answers it: a path no operation has
 * (404), a method its path does not have (405), an operation's path without its last parameter
 * (`/users/`: that operation's 400).
 */
function noOperationHandler(baseUrl: string | undefined): HttpHandler {
  const scope = scopeOf(baseUrl);
  return http.all(scope.pattern, ({ request }) => {
    const target = scope.targetOf(request);
    if (target === undefined) return undefined;
    const route = contract.route(request.method, target.pathname);
    const method = request.method.toLowerCase();
    switch (route.kind) {
      case "operation":
        return undefined; // its handler answers
      case "empty-parameter": {
        const operation = contract.operations.find((o) => o.path === route.template && o.method === method);
        if (operation !== undefined) return toResponse(chooseRefusal(operation, 400));
        break;
      }
      case "no-operation":
        return toResponse(
          prismError("NO_PATH_MATCHED_ERROR", `The route ${target.pathname} hasn't been found in the specification file`).answer,
        );
      case "method-not-allowed":
        break;
    }
    const detail = `The route ${target.pathname} has been matched, but it does not have "${method}" method defined`;
    return toResponse(prismError("NO_METHOD_MATCHED_ERROR", detail).answer);
  });
}

/**
 * Handlers for every operation that answer the spec's named examples as the Prism mock does:
 * by default each operation's first success example (listJobs also sends the spec's Link
 * example); a request picks another with `Prefer: code=404` / `Prefer: example=completedJob`,
 * and `scenario` sets what an operation answers when the request does not say.
 */
export function createExampleHandlers(options: ExampleHandlersOptions = {}): HttpHandler[] {
  const { baseUrl, scenario = {} } = options;
  return [
    ...contract.operations.map(({ operationId }) => exampleHandler(operationId, scenario[operationId], { baseUrl })),
    noOperationHandler(baseUrl),
  ];
}
