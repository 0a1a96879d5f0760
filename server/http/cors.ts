// CORS (the cors package) for the origins of CORS_ORIGINS: exact origins, "*", or
// "scheme://host:*" for that scheme and host on any port.
import cors from "cors";

/**
 * Whether a browser's Origin is allowed by `origins`. An origin is compared in the form a browser
 * sends it (the WHATWG URL parser's serialization: lower-case host, no default port, a port from
 * 1 to 65535 without leading zeros), so `http://localhost:99999` or `http://localhost:080` match
 * no "http://localhost:*"; "http://[::1]:*" matches IPv6 loopback on any port.
 */
export function corsOriginAllowed(origins: readonly string[]): (origin: string) => boolean {
  const exact = new Set(origins.filter((origin) => !origin.endsWith(":*")));
  const anyPort = origins.filter((origin) => origin.endsWith(":*")).map((origin) => origin.slice(0, -2));
  return (origin) => {
    if (exact.has(origin)) return true;
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (url === undefined || url.origin !== origin) return false;
    const withoutPort = `${url.protocol}//${url.hostname}`;
    return anyPort.includes(withoutPort);
  };
}

export function corsMiddleware(origins: readonly string[]) {
  const allowed = corsOriginAllowed(origins);
  return cors({
    origin: origins.includes("*") ? "*" : (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    methods: ["GET", "DELETE"],
    // Prefer is ignored here, but a frontend built against the Prism mock sends it.
    allowedHeaders: ["Authorization", "Content-Type", "Prefer", "X-Request-Id"],
    exposedHeaders: ["Link", "Retry-After", "X-Request-Id"],
    maxAge: 600,
  });
}
