// The request target (RFC 9112 §3.2), checked before anything else sees the request: every
// operation is addressed by a path (origin-form). An absolute URL (absolute-form, which a server
// must accept) is reduced to its path and query; `*` (asterisk-form) and anything else is answered
// here with a problem, so no later middleware has to cope with a target that is not a path (the
// validator ignores such targets, so they reached the rate limiter without a tenant).
import type { NextFunction, Request, Response } from "express";
import { isLoopbackHost } from "../config.js";
import { HttpProblem } from "./problems.js";

/** `http://host:port` or `https://host` at the start of an absolute-form target. */
const SCHEME_AND_AUTHORITY = /^https?:\/\/[^/?#]*/i;

/** The request line and Host checks below, as one middleware (the first of the contract's requests). */
export function requestLine(req: Request, _res: Response, next: NextFunction): void {
  next(requestTarget(req) ?? hostProblem(req));
}

/** Reduces an absolute-form target to its path; a problem for any target that is not a path. */
function requestTarget(req: Request): HttpProblem | undefined {
  const target = req.url;
  if (target.startsWith("/")) return undefined;
  const authority = SCHEME_AND_AUTHORITY.exec(target);
  if (authority !== null) {
    // Hand-rolled rather than new URL(): the WHATWG parser would also resolve `..` and `\` in the
    // path, which an origin-form target keeps as sent; the path must route the same either way.
    const rest = target.slice(authority[0].length);
    req.url = rest.startsWith("/") ? rest : `/${rest}`;
    req.originalUrl = req.url; // the validator matches routes on originalUrl
    return undefined;
  }
  if (target === "*") {
    return req.method === "OPTIONS"
      ? new HttpProblem(404, "not-found", "No operation at OPTIONS *: this API has no server-wide options.")
      : new HttpProblem(400, "bad-request", `The request target * is only meaningful with OPTIONS, not ${req.method}.`);
  }
  return new HttpProblem(400, "bad-request", "The request target must be a path starting with / (or an absolute http URL).");
}

/**
 * RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a Host header, or with
 * more than one. Node does the first itself with a bare 400 (requireHostHeader, turned off in
 * server.ts so the answer gets a problem body here) and keeps only the first of several Host lines.
 */
function hostProblem(req: Request): HttpProblem | undefined {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") hosts++; // no lower-casing of every header name
  }
  if (hosts > 1 || (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1)) {
    const detail = hosts > 1 ? "The request has more than one Host header." : "An HTTP/1.1 request needs a Host header.";
    return new HttpProblem(400, "bad-request", `${detail} (RFC 9112, section 3.2)`);
  }
  return undefined;
}

/**
 * The sandbox only (it accepts any API key): a Host that is not a loopback name (localhost,
 * 127.0.0.0/8, [::1]) is refused with 421 Misdirected Request. Listening on loopback is not
 * enough: a page of another site can make its own host name resolve to 127.0.0.1 (DNS
 * rebinding) and then call the sandbox as its own origin, Host being that name.
 */
export function requireLoopbackHost(req: Request, _res: Response, next: NextFunction): void {
  const host = req.headers.host;
  // No Host (HTTP/1.0): no name a page could have chosen.
  const name = host === undefined ? undefined : /^(\[[^\]]*\]|[^:[\]]*)(?::\d*)?$/.exec(host)?.[1];
  if (host !== undefined && (name === undefined || !isLoopbackHost(name))) {
    next(new HttpProblem(421, "bad-request", "This sandbox answers only requests for localhost, 127.0.0.1 or [::1] (the Host header)."));
    return;
  }
  next();
}

/**
 * After the validator: every operation of the spec requires the ApiKey scheme, so a request that
 * arrives here without an authenticated tenant either could not be authenticated because the
 * store failed (auth.ts: that error is the answer, a 503 when transient) or is one the validator
 * did not manage (a 404). Either way it never reaches the rate limiter or a router, which assume
 * a tenant.
 */
export function requireTenant(_req: Request, res: Response, next: NextFunction): void {
  if (res.locals.authenticationError !== undefined) {
    next(res.locals.authenticationError);
    return;
  }
  if (res.locals.tenant === undefined) {
    next(notFound());
    return;
  }
  next();
}

/** The last middleware: what no router answered is a 404 problem (not Express's HTML page). */
export function noOperation(_req: Request, _res: Response, next: NextFunction): void {
  next(notFound());
}

/** Answered by the error handler as "No operation at METHOD PATH." */
const notFound = () => Object.assign(new Error("not found"), { status: 404 });
