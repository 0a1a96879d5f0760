// A request to an operation whose path is not valid percent-encoded UTF-8 ("/users/a%",
// "/users/%ED%A0%80"): msw decodes path parameters with decodeURIComponent, which throws, and
// answers 500 with the stack. Placed before the operations' handlers, this one looks at every
// request under /api/v1/ (a RegExp path: msw decodes nothing) and answers such requests with the
// 400 the reference server gives; any other request falls through to the next handler.
import { http, type HttpHandler } from "msw";
import { operationIds, operationSpec, type OperationId } from "./spec.js";

function hasMalformedEncoding(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return false;
  } catch {
    return true;
  }
}

/** The operation a method and path (below the base URL) would reach, from the spec's path templates. */
function operationFor(method: string, path: string): OperationId | undefined {
  return operationIds().find((id) => {
    const operation = operationSpec(id);
    const template = new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    return operation.method === method.toLowerCase() && template.test(path);
  });
}

/** Whether the request is for this base URL (`*...` matches any origin), and the path below it. */
function pathBelow(baseUrl: string, url: URL): string | undefined {
  let base: URL;
  try {
    base = new URL(baseUrl.replace(/^\*/, "http://any.origin"), (globalThis as { location?: { href?: string } }).location?.href);
  } catch {
    return undefined;
  }
  if (!baseUrl.startsWith("*") && base.origin !== url.origin) return undefined;
  const prefix = base.pathname.replace(/\/+$/, "");
  return url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : undefined;
}

export function malformedPathHandler(baseUrl: string, answer: (operationId: OperationId, request: Request) => Response): HttpHandler {
  const match = (request: Request): OperationId | undefined => {
    const url = new URL(request.url);
    const path = pathBelow(baseUrl, url);
    if (path === undefined || !hasMalformedEncoding(path)) return undefined;
    return operationFor(request.method, path);
  };
  return http.all(/\/api\/v1\//, ({ request }) => {
    const operationId = match(request);
    // Returning nothing hands the request to the next handler.
    return operationId === undefined ? undefined : answer(operationId, request);
  });
}
