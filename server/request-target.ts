// The request target (RFC 9112 §3.2), checked before anything else sees the request: every
// operation is addressed by a path (origin-form). An absolute URL (absolute-form, which a server
// must accept) is reduced to its path and query; `*` (asterisk-form) and anything else is answered
// here with a problem, so no later middleware has to cope with a target that is not a path (the
// validator ignores such targets, so they reached the rate limiter without a tenant).
import type { NextFunction, Request, Response } from "express";
import { HttpProblem } from "./problems.js";

/** `http://host:port` or `https://host` at the start of an absolute-form target. */
const SCHEME_AND_AUTHORITY = /^https?:\/\/[^/?#]*/i;

export function requestTarget(req: Request, _res: Response, next: NextFunction): void {
  const target = req.url;
  if (target.startsWith("/")) {
    next();
    return;
  }
  const authority = SCHEME_AND_AUTHORITY.exec(target);
  if (authority !== null) {
    // Hand-rolled rather than new URL(): the WHATWG parser would also resolve `..` and `\` in the
    // path, which an origin-form target keeps as sent; the path must route the same either way.
    const rest = target.slice(authority[0].length);
    req.url = rest.startsWith("/") ? rest : `/${rest}`;
    req.originalUrl = req.url; // the validator matches routes on originalUrl
    next();
    return;
  }
  if (target === "*") {
    next(
      req.method === "OPTIONS"
        ? new HttpProblem(404, "not-found", "No operation at OPTIONS *: this API has no server-wide options.")
        : new HttpProblem(400, "bad-request", `The request target * is only meaningful with OPTIONS, not ${req.method}.`),
    );
    return;
  }
  next(new HttpProblem(400, "bad-request", "The request target must be a path starting with / (or an absolute http URL)."));
}

/**
 * After the validator: every operation of the spec requires the ApiKey scheme, so a request that
 * arrives here without an authenticated tenant is one the validator did not manage. It gets a
 * 404, and never reaches the rate limiter or a router, which assume a tenant.
 */
export function requireTenant(_req: Request, res: Response, next: NextFunction): void {
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
