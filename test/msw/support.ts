// Shared by the MSW tests: the spec's declared answers (read from generated/openapi.json
// independently of client/msw), and one typed call per operation.
import type { HeadersOptions } from "openapi-fetch";
import type { JobsClient } from "../../client/index.js";
import { readSpec } from "../support/spec-schemas.js";

export const spec: any = readSpec();
export const DOC_PROJECT_KEY = "3sWXSsqHgSKnE87YkNJK";

export function deref<T = any>(node: any): T {
  while (node && typeof node.$ref === "string") {
    node = node.$ref
      .replace(/^#\//, "")
      .split("/")
      .map((part: string) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce((at: any, key: string) => at?.[key], spec);
  }
  return node;
}

/** One (operation, status, named example) the spec declares, with what Prism answers for it. */
export interface DeclaredExample {
  operationId: string;
  /** "200", "404", ... or "default" */
  status: string;
  /** The HTTP status to ask for (default → the example's own `status`). */
  code: number;
  example: string;
  /** Whether it is the first example of its status. */
  first: boolean;
  mediaType: string;
  body: unknown;
  headers: Record<string, string>;
}

export const declared: DeclaredExample[] = [];
for (const item of Object.values<Record<string, any>>(spec.paths)) {
  for (const method of ["get", "delete"]) {
    const operation = item[method];
    if (!operation) continue;
    for (const [status, ref] of Object.entries(operation.responses)) {
      const response = deref(ref);
      const headers = Object.fromEntries(
        Object.entries<unknown>(response.headers ?? {}).map(([name, h]) => [name, String(deref(h).example)]),
      );
      for (const [mediaType, content] of Object.entries<any>(response.content ?? {})) {
        Object.entries(content.examples ?? {}).forEach(([example, exampleRef], index) => {
          const body = deref<{ value: unknown }>(exampleRef).value;
          const code = status === "default" ? (body as { status: number }).status : Number(status);
          declared.push({ operationId: operation.operationId, status, code, example, first: index === 0, mediaType, body, headers });
        });
      }
    }
  }
}

/** The answer each operation gives by default: the first example of its 200 response. */
export function defaultExample(operationId: string): DeclaredExample {
  const found = declared.find((d) => d.operationId === operationId && d.status === "200" && d.first);
  if (!found) throw new Error(`no 200 example for ${operationId}`);
  return found;
}

export type Init = { headers?: HeadersOptions };
export type Call = (client: JobsClient, init?: Init) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** One typed call per operation, on the document's project. */
export const calls: Record<string, Call> = {
  listJobs: (c, init) => c.GET("/api/v1/{projectKey}/jobs", { params: { path: { projectKey: DOC_PROJECT_KEY } }, ...init }),
  getJob: (c, init) =>
    c.GET("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey: DOC_PROJECT_KEY, jobId: 3451 } }, ...init }),
  cancelJob: (c, init) =>
    c.DELETE("/api/v1/{projectKey}/jobs/{jobId}", { params: { path: { projectKey: DOC_PROJECT_KEY, jobId: 3452 } }, ...init }),
  deleteUserData: (c, init) =>
    c.DELETE("/api/v1/{projectKey}/users/{userId}", {
      params: { path: { projectKey: DOC_PROJECT_KEY, userId: "shekar@example.com" } },
      ...init,
    }),
};

export function call(operationId: string): Call {
  const f = calls[operationId];
  if (!f) throw new Error(`no call for ${operationId}`);
  return f;
}
