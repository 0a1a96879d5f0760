// A scripted fetch for the client's unit tests: records every Request and answers from a handler.
import type { components } from "../../client/index.js";

type Job = components["schemas"]["Job"];

export interface FakeFetch {
  (request: Request): Promise<Response>;
  /** Every request the client made, in order. */
  requests: Request[];
}

export function fakeFetch(handler: (request: Request, index: number) => Response | Promise<Response>): FakeFetch {
  const requests: Request[] = [];
  const fetch = async (request: Request) => {
    requests.push(request);
    return handler(request, requests.length - 1);
  };
  return Object.assign(fetch, { requests });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": type, ...headers } });
}

export function problem(status: number, detail: string) {
  return { type: "urn:problem:jobs-api:test", title: "Test problem", status, detail, errors: [detail] };
}

export function job(jobId: number, status: Job["status"] = "scheduled"): Job {
  return {
    jobId,
    description: `Delete user sessions of userId = user${jobId}@example.com`,
    status,
    projectId: 1,
    action: "delete_user_data",
    referenceId: `user${jobId}@example.com`,
    createdAt: 1623912955277,
    updatedAt: 1623912955277,
    startAt: 1623954600000,
    errors: status === "failed" ? "It failed." : null,
  };
}

/** A fetch that never answers but rejects, as fetch does, when the request's signal aborts. */
export function hangingResponse(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    const signal = request.signal;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
