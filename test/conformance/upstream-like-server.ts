// A small in-memory Jobs API (node:http) that keeps the contract except for three deviations of
// upstream OpenReplay v1.26, so that the conformance kit can be shown to catch exactly them:
//   1. cancelJob of a finished (or cancelled) job answers 400 instead of 501;
//   2. getJob of a job that does not exist answers `200 {"data": {}}` instead of 404;
//   3. no tenancy check: any valid key reaches any organization's project.
// Everything else (problem bodies, auth, validation, order, filter, pagination, idempotent
// deletion) follows the contract, so no other check fails.
import http from "node:http";
import type { AddressInfo } from "node:net";

interface Job {
  jobId: number;
  description: string;
  status: "scheduled" | "running" | "cancelled" | "failed" | "completed";
  projectId: number;
  action: "delete_user_data";
  referenceId: string;
  createdAt: number;
  updatedAt: number;
  startAt: number;
  errors: string | null;
}

interface Project {
  projectId: number;
  projectKey: string;
  organization: number;
}

export interface FixtureTenant {
  apiKey: string;
  projectKey: string;
}

export interface UpstreamLikeServer {
  url: string;
  /** Two organizations, one project each; the second one's project has one job. */
  tenants: [FixtureTenant, FixtureTenant];
  close(): Promise<void>;
}

const STATUSES = new Set(["scheduled", "running", "cancelled", "failed", "completed"]);
const DAY = 86_400_000;

export async function startUpstreamLikeServer(): Promise<UpstreamLikeServer> {
  const keys = new Map([
    ["upstream-key-one", 1],
    ["upstream-key-two", 2],
  ]);
  const projects: Project[] = [
    { projectId: 1, projectKey: "upstreamProjectOne", organization: 1 },
    { projectId: 2, projectKey: "upstreamProjectTwo", organization: 2 },
  ];
  const jobs: Job[] = [];
  let nextId = 100;
  const schedule = (project: Project, userId: string): Job => {
    const now = Date.now();
    const job: Job = {
      jobId: nextId++,
      description: `Delete user sessions of userId = ${userId}`,
      status: "scheduled",
      projectId: project.projectId,
      action: "delete_user_data",
      referenceId: userId,
      createdAt: now,
      updatedAt: now,
      startAt: Math.floor(now / DAY) * DAY + DAY,
      errors: null,
    };
    jobs.push(job);
    return job;
  };
  schedule(projects[1]!, "someone@example.com");

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fixture");
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const type = status < 400 ? "application/json" : "application/problem+json";
      res.writeHead(status, { "content-type": type, ...headers }).end(JSON.stringify(body));
    };
    const problem = (status: number, kind: string, title: string, detail: string) =>
      send(status, { type: `urn:problem:jobs-api:${kind}`, title, status, detail, errors: [detail], instance: url.pathname });

    const match = /^\/api\/v1\/([^/]+)\/(jobs(?:\/([^/]+))?|users\/([^/]+))$/.exec(url.pathname);
    if (!match) return problem(404, "not-found", "Not Found", `${url.pathname} was not found.`);
    const header = (req.headers.authorization ?? "").trim();
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? header;
    if (!keys.has(key)) return problem(401, "unauthorized", "Unauthorized", "Invalid API Key");
    const projectKey = decodeURIComponent(match[1]!);
    // Deviation 3: the project is looked up by its key alone, not within the key's organization.
    const project = projects.find((p) => p.projectKey === projectKey);
    if (!project) return problem(404, "not-found", "Not Found", `Project ${projectKey} was not found.`);

    if (match[4] !== undefined) {
      if (req.method !== "DELETE") return problem(405, "method-not-allowed", "Method Not Allowed", `${req.method} is not allowed here.`);
      const userId = decodeURIComponent(match[4]);
      // eslint-disable-next-line no-control-regex
      if (userId.length > 256 || /[\u0000-\u001f\u007f]/.test(userId)) {
        return problem(400, "bad-request", "Bad Request", "path parameter userId must NOT have more than 256 characters");
      }
      const pending = jobs.find(
        (j) => j.projectId === project.projectId && j.referenceId === userId && (j.status === "scheduled" || j.status === "running"),
      );
      return send(200, { data: pending ?? schedule(project, userId) });
    }

    if (match[3] === undefined) {
      if (req.method !== "GET") return problem(405, "method-not-allowed", "Method Not Allowed", `${req.method} is not allowed here.`);
      const status = url.searchParams.get("status");
      const limit = url.searchParams.get("limit");
      const after = url.searchParams.get("after");
      if (status !== null && !STATUSES.has(status))
        return problem(400, "bad-request", "Bad Request", "query parameter status must be a job status");
      if (limit !== null && !(/^\d+$/.test(limit) && +limit >= 1 && +limit <= 1000)) {
        return problem(400, "bad-request", "Bad Request", "query parameter limit must be an integer from 1 to 1000");
      }
      if (after !== null && !/^\d+$/.test(after))
        return problem(400, "bad-request", "Bad Request", "query parameter after must be an integer");
      const all = jobs.filter(
        (j) => j.projectId === project.projectId && (status === null || j.status === status) && j.jobId > Number(after ?? 0),
      );
      if (limit === null) return send(200, { data: all });
      const page = all.slice(0, Number(limit));
      const headers: Record<string, string> = {};
      if (all.length > page.length) {
        const next = new URLSearchParams({ ...(status ? { status } : {}), limit, after: String(page.at(-1)!.jobId) });
        headers.link = `</api/v1/${project.projectKey}/jobs?${next}>; rel="next"`;
      }
      return send(200, { data: page }, headers);
    }

    if (!/^[1-9]\d{0,15}$/.test(match[3]))
      return problem(400, "bad-request", "Bad Request", "path parameter jobId must be a positive integer");
    const jobId = Number(match[3]);
    const job = jobs.find((j) => j.projectId === project.projectId && j.jobId === jobId);
    if (req.method === "GET") {
      // Deviation 2: a job that does not exist is an empty object, with 200.
      return send(200, { data: job ?? {} });
    }
    if (req.method !== "DELETE") return problem(405, "method-not-allowed", "Method Not Allowed", `${req.method} is not allowed here.`);
    if (!job) return problem(404, "not-found", "Not Found", `Job ${jobId} was not found in project ${project.projectKey}.`);
    if (job.status !== "scheduled" && job.status !== "running") {
      // Deviation 1: 400 where the contract (and the original documentation) says 501.
      return problem(400, "bad-request", "Bad Request", `Job ${jobId} is ${job.status} and can no longer be cancelled.`);
    }
    job.status = "cancelled";
    job.updatedAt = Date.now();
    return send(200, { data: job });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tenants: [
      { apiKey: "upstream-key-one", projectKey: "upstreamProjectOne" },
      { apiKey: "upstream-key-two", projectKey: "upstreamProjectTwo" },
    ],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
