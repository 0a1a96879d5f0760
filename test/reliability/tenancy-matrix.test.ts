// The tenancy matrix: two organizations with two projects each; every operation with every key
// and every project (and every project's job). Only calls whose key owns the project (and whose
// job is that project's) succeed; the rest answer 404 (401 for a bad or missing key) with the same
// body as for something that does not exist, and change nothing at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databases, queryRaw, seedTenant } from "../support/databases.js";
import { startTestServer, type Answer, type TestServer } from "../support/server.js";
import { addSessions } from "../support/jobs.js";
import type { Project } from "../../server/store/types.js";
import { contract, type Operation, type OperationId } from "../../client/contract/index.js";
import { casesOfEveryOperation, hasPathParameter, requestOf } from "../support/every-operation.js";

const MATRIX_USER = "matrix-user@example.com";

/** What the owner's call of each operation must answer (status, and what the body shows). */
const OWNER_ANSWERS = casesOfEveryOperation<(answer: Answer, call: Call, what: string) => void>({
  listJobs: (answer, call, what) => {
    expect(answer.status, what).toBe(200);
    expect(answer.body.data.length, what).toBeGreaterThan(0);
    for (const job of answer.body.data) expect(job.projectId, what).toBe(call.project!.projectId);
  },
  getJob: (answer, call, what) => {
    expect(answer.status, what).toBe(200);
    expect(answer.body.data).toMatchObject({ jobId: call.jobId, projectId: call.project!.projectId });
  },
  cancelJob: (answer, call, what) => {
    // The raw key's cancel comes first: for the Bearer key the job is cancelled already (501), still only its own.
    if (call.keyName.startsWith("Bearer")) {
      expect(answer.status, what).toBe(501);
    } else {
      expect(answer.status, what).toBe(200);
      expect(answer.body.data).toMatchObject({ jobId: call.jobId, status: "cancelled" });
    }
  },
  deleteUserData: (answer, call, what) => {
    expect(answer.status, what).toBe(200);
    expect(answer.body.data).toMatchObject({ projectId: call.project!.projectId, referenceId: MATRIX_USER });
  },
});

interface Tenant {
  name: string;
  key: string;
  organizationId: number;
  projects: Project[];
}

interface Call {
  op: OperationId;
  operation: Operation;
  keyName: string;
  key: string | undefined;
  project: Project | undefined; // undefined: a project key that does not exist
  projectKey: string;
  jobId?: number;
  jobProjectId?: number; // the project the job belongs to; undefined: a job that does not exist
}

const MISSING_PROJECT_KEY = "NoSuchProject0000000";
const MISSING_JOB_ID = 987_654_321;

describe.each(databases)("tenancy matrix on $name", (database) => {
  let server: TestServer;
  let url: string;
  const tenants: Tenant[] = [];
  /** Each project's one job (scheduled far in the future, so it can be cancelled). */
  const jobOf = new Map<number, number>();

  /** Everything stored, read outside the store: what a refused call must not change. */
  async function snapshot(): Promise<string> {
    const tables = await Promise.all([
      queryRaw(url, "select * from organizations order by id"),
      queryRaw(url, "select * from projects order by project_id"),
      queryRaw(url, "select * from jobs order by job_id"),
      queryRaw(url, "select project_id, user_id, count(*) as n from sessions group by project_id, user_id order by project_id, user_id"),
    ]);
    return JSON.stringify(tables, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
  }

  function send(call: Call) {
    const values = { projectKey: call.projectKey, userId: MATRIX_USER, ...(call.jobId !== undefined && { jobId: call.jobId }) };
    const { method, path } = requestOf(call.operation, values);
    return server.call(method, path, { key: call.key ?? null });
  }

  /** What the matrix says the call must answer. */
  function expected(call: Call): 200 | 401 | 404 {
    const tenant = tenants.find((t) => t.key === call.key || `Bearer ${t.key}` === call.key);
    if (tenant === undefined) return 401;
    if (call.project === undefined || call.project.organizationId !== tenant.organizationId) return 404;
    // An operation on one job: the job must be the project's.
    if (call.jobId !== undefined && call.jobProjectId !== call.project.projectId) return 404;
    return 200;
  }

  function allCalls(): Call[] {
    const keys: Array<[string, string | undefined]> = [
      ...tenants.map((t) => [`key of ${t.name}`, t.key] as [string, string]),
      ...tenants.map((t) => [`Bearer key of ${t.name}`, `Bearer ${t.key}`] as [string, string]),
      ["an unknown key", "ork_" + "x".repeat(32)],
      ["no key", undefined],
    ];
    const projects: Array<Project | undefined> = [...tenants.flatMap((t) => t.projects), undefined];
    const jobs: Array<[number, number | undefined]> = [
      ...[...jobOf.entries()].map(([projectId, jobId]) => [jobId, projectId] as [number, number]),
      [MISSING_JOB_ID, undefined],
    ];
    const calls: Call[] = [];
    for (const [keyName, key] of keys) {
      for (const project of projects) {
        const base = { keyName, key, project, projectKey: project?.projectKey ?? MISSING_PROJECT_KEY };
        for (const operation of contract.operations) {
          const op = { ...base, op: operation.operationId, operation };
          if (!hasPathParameter(operation, "jobId")) calls.push(op);
          else for (const [jobId, jobProjectId] of jobs) calls.push({ ...op, jobId, jobProjectId });
        }
      }
    }
    return calls;
  }

  const describeCall = (c: Call) =>
    `${c.op} with ${c.keyName} on ${c.project ? `project ${c.project.name}` : "an unknown project"}` +
    (c.jobId !== undefined ? ` for the job of ${c.jobProjectId === undefined ? "no project" : `project ${c.jobProjectId}`}` : "");

  beforeAll(async () => {
    url = await database.url();
    server = await startTestServer(url);
    for (const name of ["Org A", "Org B"]) {
      const first = await seedTenant(server.store, name);
      const second = await server.store.createProject(first.organization.organizationId, `${name} second app`);
      tenants.push({ name, key: first.apiKey, organizationId: first.organization.organizationId, projects: [first.project, second] });
    }
    const now = server.clock.now;
    for (const project of tenants.flatMap((t) => t.projects)) {
      const { job } = await server.store.scheduleUserDeletion(project.projectId, `owner-of-${project.projectKey}`, now, now + 86_400_000);
      jobOf.set(project.projectId, job.jobId);
      await addSessions(server.store, project.projectId, MATRIX_USER, 3);
    }
  });
  afterAll(async () => server?.close());

  it("every refused combination answers 401 or 404, exactly as the matrix says, and changes nothing", async () => {
    const refused = allCalls().filter((call) => expected(call) !== 200);
    expect(refused.length).toBeGreaterThan(300);
    const before = await snapshot();
    const answers = new Map<string, { status: number; body: any }>();
    for (const call of refused) {
      const answer = await send(call);
      expect(answer.status, describeCall(call)).toBe(expected(call));
      expect(answer.contentType, describeCall(call)).toMatch(/^application\/problem\+json/);
      answers.set(describeCall(call), answer);
    }
    expect(await snapshot()).toBe(before);

    // Existence never leaks: for one operation and key, another organization's project answers
    // exactly what a project that does not exist answers (but for the key echoed in `detail`), and
    // another project's job exactly what a job that does not exist answers.
    const normalize = (body: any) =>
      JSON.stringify({ ...body, requestId: undefined, instance: undefined })
        .replaceAll(/[A-Za-z0-9]{20}/g, "<projectKey>")
        .replaceAll(/Job \d+/g, "Job <id>");
    const groups = new Map<string, Set<string>>();
    for (const call of refused) {
      const tenant = tenants.find((t) => t.key === call.key || `Bearer ${t.key}` === call.key);
      const projectRefused = call.project === undefined || call.project.organizationId !== tenant?.organizationId;
      const group = `${call.op} | ${call.keyName} | ${expected(call)} | ${projectRefused ? "project refused" : "job refused"}`;
      const bodies = groups.get(group) ?? new Set<string>();
      bodies.add(normalize(answers.get(describeCall(call))!.body));
      groups.set(group, bodies);
    }
    for (const [group, bodies] of groups) expect([...bodies], group).toHaveLength(1);
  });

  it("the owner's calls succeed and touch only their own project", async () => {
    const allowed = allCalls().filter((call) => expected(call) === 200);
    // Per project, every operation with the raw and the Bearer key (an operation on a job: its own job).
    expect(allowed).toHaveLength(4 * 2 * contract.operations.length);
    const jobsOf = async (projectId: number) =>
      JSON.stringify(await queryRaw(url, `select * from jobs where project_id = ${projectId} order by job_id`), (_k, v) =>
        typeof v === "bigint" ? Number(v) : v,
      );
    // Reads first (they change nothing), then the writes.
    const writes = (call: Call) => (call.operation.method === "get" ? 0 : 1);
    allowed.sort((a, b) => writes(a) - writes(b));
    const ownerAnswers = new Map(OWNER_ANSWERS);
    for (const call of allowed) {
      const project = call.project!;
      const others = tenants.flatMap((t) => t.projects).filter((p) => p.projectId !== project.projectId);
      const othersBefore = await Promise.all(others.map((p) => jobsOf(p.projectId)));
      const answer = await send(call);
      const what = describeCall(call);
      ownerAnswers.get(call.operation)!(answer, call, what);
      expect(await Promise.all(others.map((p) => jobsOf(p.projectId))), what).toEqual(othersBefore);
    }
    // Sessions are never touched by the API itself (only the runner deletes, and it is off here).
    const sessions = await queryRaw(url, "select count(*) as n from sessions");
    expect(Number(sessions[0]!.n)).toBe(4 * 3);
  });
});
