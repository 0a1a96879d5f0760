// A request's path and query parameters by the contract core's rules (client/contract/parameters.ts),
// which the stateful mocks apply too: the one rule the validator lacks — integers only in their
// canonical decimal form (`0x1`, `1e0`, `+1`, `1.0`, `01` name the same number in other notations
// and answer 400; the validator coerces them) — and the words of every 400 about a parameter.
//
// Why not a pattern in the spec: jobId, limit and after must stay `type: integer` for generated
// clients, and a JSON Schema pattern does not apply to a number.
import type { NextFunction, Request, Response } from "express";
import { contract, parameterProblem, pathDecodes, problemWords, type Route } from "../../client/contract/index.js";
import { HttpProblem } from "./problems.js";

/** The request's route by the spec's path rules, on its path as sent. */
export function routeOf(req: Request): Route {
  const url = req.originalUrl;
  const mark = url.indexOf("?");
  return contract.route(req.method, mark === -1 ? url : url.slice(0, mark));
}

/** What is wrong with the request's parameters, in the API's words; undefined when nothing is. */
export function parameterWords(req: Request): string | undefined {
  const route = routeOf(req);
  if (route.kind === "empty-parameter") return problemWords.emptyPathParameter(route.parameter);
  if (route.kind !== "operation") return undefined;
  const mark = req.originalUrl.indexOf("?");
  return parameterProblem(route.operation, route.path, mark === -1 ? "" : req.originalUrl.slice(mark + 1));
}

/** After the validator: refuses what the core's rules refuse and the validator let through. */
export function checkParameters(req: Request, _res: Response, next: NextFunction): void {
  const problem = parameterWords(req);
  next(problem === undefined ? undefined : new HttpProblem(400, "bad-request", problem));
}

/**
 * Before the validator: the spec's path rules (client/contract/operations.ts route), which the
 * stateful mocks apply too. A path that is no operation's answers 404, another method 405 with
 * Allow, `/users` or `/users/` (no userId) 400, and a path that is not valid percent-encoding 400,
 * whatever the key: the validator sees only the requests of an operation.
 */
export function applyPathRules(req: Request, res: Response, next: NextFunction): void {
  const route = routeOf(req);
  switch (route.kind) {
    case "operation":
      next(pathDecodes(route.path) ? undefined : new HttpProblem(400, "bad-request", problemWords.malformedPath));
      return;
    case "empty-parameter":
      next(new HttpProblem(400, "bad-request", problemWords.emptyPathParameter(route.parameter)));
      return;
    case "method-not-allowed":
      res.setHeader("Allow", route.allowed.map((method) => method.toUpperCase()).join(", "));
      next(Object.assign(new Error("method not allowed"), { status: 405 }));
      return;
    case "no-operation":
      next(Object.assign(new Error("not found"), { status: 404 }));
      return;
  }
}
