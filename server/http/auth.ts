// The ApiKey security handler for express-openapi-validator, and the project (tenant) lookup.
// The validator has already checked that the Authorization header is present; here the key is
// looked up in the store (hashed there, compared in constant time). Never log the key.
import type { Request, Response, NextFunction } from "express";
import type { Organization, Project, Store } from "../store/types.js";
import { HttpProblem, problemWords } from "./problems.js";
import { apiKeyFromHeader } from "../../client/contract/index.js";
import "./locals.js";

export { apiKeyFromHeader };

function unauthorized(): Error & { status: number } {
  return Object.assign(new Error(problemWords.invalidApiKey), { status: 401 });
}

/** Per-request state set by authentication and the project lookup (kept in res.locals). */
export interface Tenant {
  organization: Organization;
  project?: Project;
}

export interface SecurityOptions {
  /**
   * The sandbox (`jobs-api sandbox`) only: any well-formed key is taken as this organization's,
   * unchecked. startServer refuses it unless the server listens on a loopback address.
   */
  anyKeyAs?: Organization | undefined;
}

/**
 * The validator turns anything a security handler throws into a 401 (or a 500), losing the
 * error: a database that is down answered "Invalid API Key". So a failed lookup is kept in
 * res.locals.authenticationError, the handler lets the validator go on, and requireTenant
 * (request-target.ts), right after the validator, answers with that error (503 when transient).
 * No tenant is set, so nothing past requireTenant can run.
 */
export function apiKeySecurityHandler(store: Store, options: SecurityOptions = {}) {
  return async (req: Request): Promise<boolean> => {
    const key = apiKeyFromHeader(req.headers.authorization);
    if (key === undefined) throw unauthorized();
    let organization: Organization | undefined;
    try {
      organization = options.anyKeyAs ?? (await store.findOrganizationByApiKey(key));
    } catch (error) {
      req.res!.locals.authenticationError = error;
      return true;
    }
    if (organization === undefined) throw unauthorized();
    req.res!.locals.tenant = { organization };
    return true;
  };
}

/**
 * router.param("projectKey") callback: resolves the project *within the key's organization*.
 * An unknown project and another organization's project give the same 404, so existence
 * never leaks across organizations.
 */
export function resolveProject(store: Store) {
  return async (_req: Request, res: Response, next: NextFunction, projectKey: string): Promise<void> => {
    try {
      const tenant = res.locals.tenant;
      if (tenant === undefined) throw new Error("resolveProject ran before authentication");
      const project = await store.findProject(tenant.organization.organizationId, projectKey);
      if (project === undefined) throw new HttpProblem(404, "not-found", problemWords.projectNotFound(projectKey));
      tenant.project = project;
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function projectOf(res: Response): Project {
  const project = res.locals.tenant?.project;
  if (project === undefined) throw new Error("no project resolved for this route");
  return project;
}
