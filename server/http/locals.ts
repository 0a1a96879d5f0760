// What the server keeps per request in res.locals, typed once for every handler (Express's
// `Locals`, by declaration merging) instead of a cast at each use.
import type { Tenant } from "./auth.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares Locals in this namespace
  namespace Express {
    interface Locals {
      /** The request's id (X-Request-Id): set by the request log, quoted in problem answers. */
      requestId?: string;
      /** The authenticated organization, and the project once router.param("projectKey") resolved it (auth.ts). */
      tenant?: Tenant;
      /** Why the key could not be checked (the store failed); answered by requireTenant (request-target.ts). */
      authenticationError?: unknown;
      /** An operational endpoint's name, for the metrics' operation label (ops/). */
      operation?: string;
    }
  }
}
