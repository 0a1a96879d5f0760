// The database-backed limit of the http part: raw node:http with better-sqlite3 prepared
// statements doing the work a GET job (or a listJobs page) needs and nothing more: SHA-256 of the
// key, the organization by that hash, the project by key within the organization, the job(s) of
// the project, JSON.stringify of the same body the project's server answers. No validation, no
// logging, no framework: what any server over this schema and this database has to pay.
// argv[2]: the SQLite file (DATABASE_URL without "sqlite:"). Opened with the server's settings.
import http from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import BetterSqlite3 from "better-sqlite3";

const db = new BetterSqlite3(process.argv[2]);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 5000");
db.pragma("foreign_keys = ON");

type JobRow = Record<string, unknown>;
const organizationByHash = db.prepare<[string], { id: number }>("SELECT id FROM organizations WHERE api_key_hash = ?");
const projectInOrganization = db.prepare<[string, number], { project_id: number; project_key: string }>(
  "SELECT project_id, project_key FROM projects WHERE project_key = ? AND organization_id = ?",
);
const COLUMNS =
  "job_id AS jobId, description, status, project_id AS projectId, action, reference_id AS referenceId, " +
  "created_at AS createdAt, updated_at AS updatedAt, start_at AS startAt, errors";
const jobInProject = db.prepare<[number, number], JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE job_id = ? AND project_id = ?`);
const pageOfProject = db.prepare<[number, number, number], JobRow>(
  `SELECT ${COLUMNS} FROM jobs WHERE project_id = ? AND job_id > ? ORDER BY job_id LIMIT ?`,
);

const JOB = /^\/api\/v1\/([^/?]+)\/jobs\/(\d+)$/;
const LIST = /^\/api\/v1\/([^/?]+)\/jobs\?limit=(\d+)&after=(\d+)$/;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function project(req: http.IncomingMessage, projectKey: string): { project_id: number; project_key: string } | undefined {
  const key = req.headers.authorization;
  if (key === undefined) return undefined;
  const organization = organizationByHash.get(createHash("sha256").update(key).digest("hex"));
  return organization && projectInOrganization.get(projectKey, organization.id);
}

const server = http.createServer((req, res) => {
  const url = req.url!;
  const one = JOB.exec(url);
  if (one !== null) {
    const found = project(req, one[1]!);
    if (found === undefined) return send(res, 404, { status: 404 });
    const job = jobInProject.get(Number(one[2]), found.project_id);
    return job === undefined ? send(res, 404, { status: 404 }) : send(res, 200, { data: job });
  }
  const list = LIST.exec(url);
  if (list !== null) {
    const found = project(req, list[1]!);
    if (found === undefined) return send(res, 404, { status: 404 });
    const limit = Number(list[2]);
    const rows = pageOfProject.all(found.project_id, Number(list[3]), limit + 1);
    const page = rows.slice(0, limit);
    const headers: Record<string, string> = {};
    if (rows.length > limit)
      headers.link = `</api/v1/${found.project_key}/jobs?limit=${limit}&after=${String(page.at(-1)!.jobId)}>; rel="next"`;
    return send(res, 200, { data: page }, headers);
  }
  send(res, 404, { status: 404 });
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => {
  process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on("SIGTERM", () => server.close(() => (db.close(), process.exit(0))));
