// listJobs' pages: the `Link: <...>; rel="next"` header (RFC 8288) of a page that has a next one,
// as the server and the stateful mocks send it.
import { contract, fillPath } from "./operations.js";
import type { JobStatus } from "./jobs.js";

export interface PageQuery {
  status?: JobStatus | undefined;
  limit: number;
  /** The last jobId of this page. */
  after: number;
}

/** The Link header value announcing the next page; its target is relative to the server (`prefix`: the base URL's path). */
export function nextPageLink(projectKey: string, query: PageQuery, prefix = ""): string {
  const search = new URLSearchParams();
  if (query.status !== undefined) search.set("status", query.status);
  search.set("limit", String(query.limit));
  search.set("after", String(query.after));
  return `<${prefix}${fillPath(contract.operation("listJobs").path, { projectKey })}?${search}>; rel="next"`;
}
