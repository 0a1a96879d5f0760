// The requests a set of handlers answers: those to its base URL, and no others, so MSW's
// `onUnhandledRequest: "error"` still catches a request to any other address.
import { MOCK_BASE_URL } from "../contract/index.js";

/** The path (as sent, percent-encoded) and query of a request below the base URL. */
export interface Target {
  pathname: string;
  search: string;
}

export interface Scope {
  /** For msw's `http.all(...)`: a RegExp, so msw decodes nothing (a malformed path reaches the resolver). */
  pattern: RegExp;
  /** The request's target below the base URL, or undefined when the request is for another address. */
  targetOf(request: Request): Target | undefined;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * `baseUrl` as given to createJobsClient (an origin and an optional path prefix); `*` in place of
 * the origin (`*`, `*\/prefix`) matches any origin.
 */
export function scopeOf(baseUrl: string = MOCK_BASE_URL): Scope {
  const anyOrigin = baseUrl.startsWith("*");
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const base = new URL(anyOrigin ? `http://any.origin${baseUrl.slice(1)}` : baseUrl, page);
  const prefix = base.pathname.replace(/\/+$/, "");
  const origin = anyOrigin ? "[a-z][a-z0-9+.-]*://[^/]+" : escape(base.origin);
  const pattern = new RegExp(`^${origin}${escape(prefix)}/`);
  return {
    pattern,
    targetOf(request) {
      const url = new URL(request.url);
      if (!anyOrigin && url.origin !== base.origin) return undefined;
      // The path as sent: URL keeps percent-escapes (it only normalises dot segments).
      if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
      return { pathname: url.pathname.slice(prefix.length), search: url.search.slice(1) };
    },
  };
}
