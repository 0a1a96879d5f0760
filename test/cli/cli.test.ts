// The jobs-api command, run for real as a child process, on SQLite and on PostgreSQL.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { databases } from "../support/databases.js";
import { runCli, spawnCli, waitForOutput } from "../support/cli.js";
import { openStore } from "../../server/store/index.js";
import { countSessions } from "../../server/store/fixtures.js";

async function withStore<T>(url: string, run: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

describe.each(databases)("jobs-api on $name", (database) => {
  it("project create makes the organization and prints its key once, then only the project", async () => {
    const env = { DATABASE_URL: await database.url() };
    const first = await runCli(["project", "create", "--org", "Acme", "--name", "Web", "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created).toEqual({
      organization: "Acme",
      apiKey: expect.stringMatching(/^ork_[A-Za-z0-9_-]{32}$/),
      projectId: expect.any(Number),
      projectKey: expect.stringMatching(/^[A-Za-z0-9]{20}$/),
    });
    const second = JSON.parse((await runCli(["project", "create", "--org", "Acme", "--name", "Mobile", "--json"], env)).stdout);
    expect(second).toEqual({ organization: "Acme", projectId: expect.any(Number), projectKey: expect.any(String) });
    expect(second.projectKey).not.toBe(created.projectKey);
    await withStore(env.DATABASE_URL, async (store) => {
      const organization = await store.findOrganizationByApiKey(created.apiKey);
      expect(organization?.name).toBe("Acme");
      expect(await store.findProject(organization!.organizationId, second.projectKey)).toBeDefined();
    });
  });

  it("org rotate-key prints a new key and the old one stops working", async () => {
    const env = { DATABASE_URL: await database.url() };
    const { apiKey: oldKey } = JSON.parse((await runCli(["project", "create", "--org", "Rot", "--name", "P", "--json"], env)).stdout);
    const rotated = await runCli(["org", "rotate-key", "--org", "Rot", "--json"], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const { apiKey: newKey } = JSON.parse(rotated.stdout);
    expect(newKey).not.toBe(oldKey);
    await withStore(env.DATABASE_URL, async (store) => {
      expect(await store.findOrganizationByApiKey(oldKey)).toBeUndefined();
      expect((await store.findOrganizationByApiKey(newKey))?.name).toBe("Rot");
    });
    const unknown = await runCli(["org", "rotate-key", "--org", "Nobody", "--json"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no organization named "Nobody"');
  });

  it("sessions import reads NDJSON from a file and from standard input", async () => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "I", "--name", "P", "--json"], env)).stdout);
    const lines = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({ sessionId: `s${i}`, projectKey, userId: i % 2 ? "odd@example.com" : "even@example.com", startedAt: 1700000000000 + i }),
    );
    const file = join(mkdtempSync(join(tmpdir(), "import-")), "sessions.ndjson");
    writeFileSync(file, lines.join("\n") + "\n");
    const fromFile = await runCli(["sessions", "import", file, "--json"], env);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({ imported: 2500 });
    const more = JSON.stringify({ sessionId: "stdin-1", projectKey, userId: "odd@example.com", startedAt: 1 });
    const fromStdin = await runCli(["sessions", "import", "-", "--json"], env, more + "\n");
    expect(JSON.parse(fromStdin.stdout)).toEqual({ imported: 1 });
    await withStore(env.DATABASE_URL, async (store) => {
      expect(await countSessions(store, projectId)).toBe(2501);
      expect(await countSessions(store, projectId, "odd@example.com")).toBe(1251);
    });
  });

  it.each([
    ["a line that is not JSON", (k: string) => `{"sessionId":"a","projectKey":"${k}","userId":"u","startedAt":1}\nnot json`, "line 2: not valid JSON"],
    ["a missing userId", (k: string) => `{"sessionId":"a","projectKey":"${k}","startedAt":1}`, 'line 1: "userId" must be a non-empty string'],
    ["a negative startedAt", (k: string) => `\n\n{"sessionId":"a","projectKey":"${k}","userId":"u","startedAt":-5}`, 'line 3: "startedAt"'],
    ["an unknown projectKey", () => `{"sessionId":"a","projectKey":"Nope","userId":"u","startedAt":1}`, 'line 1: unknown projectKey "Nope"'],
  ])("sessions import of a file with %s reports the line and imports nothing", async (_name, content, message) => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "B", "--name", "P", "--json"], env)).stdout);
    const good = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ sessionId: `ok${i}`, projectKey, userId: "u", startedAt: 1 }));
    const file = join(mkdtempSync(join(tmpdir(), "import-")), "bad.ndjson");
    // The bad line comes after 1500 good ones (more than one chunk), which must not be kept either.
    const bad = content(projectKey).split("\n");
    const badLineOffset = good.length;
    writeFileSync(file, [...good, ...bad].join("\n"));
    const result = await runCli(["sessions", "import", file, "--json"], env);
    expect(result.code).toBe(1);
    const expectedLine = message.replace(/line (\d+)/, (_m, n) => `line ${Number(n) + badLineOffset}`);
    expect(result.stderr).toContain(expectedLine);
    expect(result.stderr).toContain("nothing was imported");
    await withStore(env.DATABASE_URL, async (store) => expect(await countSessions(store, projectId)).toBe(0));
  });

  it("sessions import of a file with a session id twice fails whole, with a message that says why", async () => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "D", "--name", "P", "--json"], env)).stdout);
    // The repeated id comes after more than one chunk and one multi-row statement's worth of rows.
    const lines = Array.from({ length: 2345 }, (_, i) => JSON.stringify({ sessionId: `s${i}`, projectKey, userId: "u", startedAt: 1 }));
    lines.push(JSON.stringify({ sessionId: "s7", projectKey, userId: "other", startedAt: 2 }));
    const file = join(mkdtempSync(join(tmpdir(), "import-")), "twice.ndjson");
    writeFileSync(file, lines.join("\n") + "\n");
    const result = await runCli(["sessions", "import", file, "--json"], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Nothing was imported: a session id is already in its project, or appears twice in the input.");
    await withStore(env.DATABASE_URL, async (store) => expect(await countSessions(store, projectId)).toBe(0));
  });

  it("demo fills an empty database with a job in every status and prints a working key", async () => {
    const env = { DATABASE_URL: await database.url() };
    const result = await runCli(["demo", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    const demo = JSON.parse(result.stdout);
    await withStore(env.DATABASE_URL, async (store) => {
      const organization = await store.findOrganizationByApiKey(demo.apiKey);
      expect(organization?.name).toBe("Demo");
      const jobs = await store.listJobs(demo.projectId, {});
      expect(new Set(jobs.map((j) => j.status))).toEqual(new Set(["scheduled", "running", "cancelled", "failed", "completed"]));
      expect(await countSessions(store, demo.projectId)).toBeGreaterThan(0);
    });
    const again = await runCli(["demo", "--json"], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already has");
  });
});

describe("jobs-api serve", () => {
  it.each([
    ["JOBS_START_DELAY", "soon", "JOBS_START_DELAY=\"soon\" is not valid"],
    ["PORT", "http", "PORT=\"http\" is not valid"],
    ["JOBS_BATCH_SIZE", "0", "JOBS_BATCH_SIZE=\"0\" is not valid"],
    ["JOBS_BATCH_TIME", "fast", "JOBS_BATCH_TIME=\"fast\" is not valid"],
    ["JOBS_RUNNER", "maybe", "JOBS_RUNNER=\"maybe\" is not valid: expected on or off"],
    ["DATABASE_URL", "mysql://x", "DATABASE_URL=\"mysql://x\" is not valid"],
  ])("refuses to start with %s=%s and says why", async (name, value, message) => {
    const result = await runCli(["serve"], { [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("serve --demo prints a curl line that answers the demo jobs, and SIGTERM exits 0", async () => {
    const folder = mkdtempSync(join(tmpdir(), "serve-"));
    const child = spawnCli(["serve", "--demo"], { DATABASE_URL: `sqlite:${join(folder, "jobs.db")}`, PORT: "0" });
    try {
      const [, url, key] = await waitForOutput(child, /curl -s (http:\/\/\S+\/jobs) -H 'Authorization: (\S+)'/);
      const answer = await fetch(url!, { headers: { Authorization: key! } });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { data: Array<{ status: string }> };
      expect(body.data.length).toBeGreaterThanOrEqual(5);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);

    // A second start on the same file prints the same demo key again (kept beside the database).
    const again = spawnCli(["serve", "--demo"], { DATABASE_URL: `sqlite:${join(folder, "jobs.db")}`, PORT: "0" });
    try {
      const [, url, key] = await waitForOutput(again, /curl -s (http:\/\/\S+\/jobs) -H 'Authorization: (\S+)'/);
      expect((await fetch(url!, { headers: { Authorization: key! } })).status).toBe(200);
    } finally {
      again.kill("SIGTERM");
    }
    expect(await new Promise((resolve) => again.once("exit", resolve))).toBe(0);
  });
});
