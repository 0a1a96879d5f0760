// The jobs-api command, run for real as a child process, on SQLite and on PostgreSQL.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { databases, queryRaw } from "../support/databases.js";
import { ROOT, runCli, spawnCli, waitForOutput } from "../support/cli.js";
import { temporaryFolder } from "../support/temp.js";
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
      JSON.stringify({
        sessionId: `s${i}`,
        projectKey,
        userId: i % 2 ? "odd@example.com" : "even@example.com",
        startedAt: 1700000000000 + i,
      }),
    );
    const file = join(temporaryFolder("import-"), "sessions.ndjson");
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
    [
      "a line that is not JSON",
      (k: string) => `{"sessionId":"a","projectKey":"${k}","userId":"u","startedAt":1}\nnot json`,
      "line 2: not valid JSON",
    ],
    [
      "a missing userId",
      (k: string) => `{"sessionId":"a","projectKey":"${k}","startedAt":1}`,
      'line 1: "userId" must be a non-empty string',
    ],
    ["a negative startedAt", (k: string) => `\n\n{"sessionId":"a","projectKey":"${k}","userId":"u","startedAt":-5}`, 'line 3: "startedAt"'],
    [
      "an unknown projectKey",
      () => `{"sessionId":"a","projectKey":"Nope","userId":"u","startedAt":1}`,
      'line 1: unknown projectKey "Nope"',
    ],
  ])("sessions import of a file with %s reports the line and imports nothing", async (_name, content, message) => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "B", "--name", "P", "--json"], env)).stdout);
    const good = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ sessionId: `ok${i}`, projectKey, userId: "u", startedAt: 1 }));
    const file = join(temporaryFolder("import-"), "bad.ndjson");
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

  it("sessions import of a duplicate session names its line and session id, and imports nothing", async () => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "D", "--name", "P", "--json"], env)).stdout);
    const line = (sessionId: string) => JSON.stringify({ sessionId, projectKey, userId: "u", startedAt: 1 });
    const folder = temporaryFolder("import-");
    // Twice in the file: the second occurrence (line 1503, past the first chunk) is named.
    const twice = join(folder, "twice.ndjson");
    writeFileSync(twice, [...Array.from({ length: 1502 }, (_, i) => line(`s${i}`)), line("s7")].join("\n"));
    const inFile = await runCli(["sessions", "import", twice], env);
    expect(inFile.code).toBe(1);
    expect(inFile.stderr).toContain(
      `import failed at line 1503: session id "s7" appears earlier in this input for project ${projectKey}; nothing was imported`,
    );
    // Already in the database.
    expect((await runCli(["sessions", "import", "-"], env, line("kept") + "\n")).code).toBe(0);
    const stored = await runCli(["sessions", "import", "-"], env, [line("new-1"), line("kept"), line("new-2")].join("\n"));
    expect(stored.code).toBe(1);
    expect(stored.stderr).toContain(`import failed at line 2: session id "kept" is already in project ${projectKey}; nothing was imported`);
    await withStore(env.DATABASE_URL, async (store) => expect(await countSessions(store, projectId)).toBe(1));
  });

  it("sessions import names line 2,500 for a duplicate after blank lines, in the file or already stored, and keeps escaped ids exactly", async () => {
    const env = { DATABASE_URL: await database.url() };
    const { projectKey, projectId } = JSON.parse((await runCli(["project", "create", "--org", "L", "--name", "P", "--json"], env)).stdout);
    const line = (sessionId: string, userId = "u") => JSON.stringify({ sessionId, projectKey, userId, startedAt: 1 });
    // Tabs, backslashes, a line break and COPY's own markers in the ids: stored exactly.
    const odd = ["tab\there", "back\\slash", "\\N", "new\nline", "\\."];
    // A userId holds no control character (the API's rule, which the import applies); a session id may.
    const userIdOf = (id: string) => `${id.replace(/[\t\n]/g, " ")}@example.com`;
    const first = await runCli(["sessions", "import", "-", "--json"], env, odd.map((id) => line(id, userIdOf(id))).join("\n"));
    expect(first.code, first.stderr).toBe(0);
    expect(await queryRaw(env.DATABASE_URL, "select session_id, user_id from sessions order by id")).toEqual(
      odd.map((id) => ({ session_id: id, user_id: userIdOf(id) })),
    );
    // 2,496 sessions and 4 blank lines (after lines 1 and 1,200, and two after 2,000): the
    // duplicate's line is 2,500, in the third chunk of 1,000 sessions.
    const folder = temporaryFolder("import-");
    const withDuplicate = (duplicate: string) => {
      const lines: string[] = [];
      for (let i = 1; i <= 2496; i++) {
        lines.push(i === 2496 ? duplicate : line(`s${i}`));
        if (i === 1 || i === 1200) lines.push("");
        if (i === 2000) lines.push("  ", "");
      }
      const path = join(folder, `${lines.length}-${Math.random()}.ndjson`);
      writeFileSync(path, lines.join("\n") + "\n");
      return path;
    };
    const twice = await runCli(["sessions", "import", withDuplicate(line("s1234"))], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(
      `import failed at line 2500: session id "s1234" appears earlier in this input for project ${projectKey}; nothing was imported`,
    );
    const stored = await runCli(["sessions", "import", withDuplicate(line(odd[3]!))], env);
    expect(stored.code).toBe(1);
    expect(stored.stderr).toContain(
      `import failed at line 2500: session id ${JSON.stringify(odd[3])} is already in project ${projectKey}; nothing was imported`,
    );
    await withStore(env.DATABASE_URL, async (store) => expect(await countSessions(store, projectId)).toBe(odd.length));
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
    ["JOBS_START_DELAY", "soon", 'JOBS_START_DELAY="soon" is not valid'],
    ["PORT", "http", 'PORT="http" is not valid'],
    ["JOBS_BATCH_SIZE", "0", 'JOBS_BATCH_SIZE="0" is not valid'],
    ["JOBS_RUNNER", "maybe", 'JOBS_RUNNER="maybe" is not valid: expected on or off'],
    ["DATABASE_URL", "mysql://x", 'DATABASE_URL="mysql://x" is not valid'],
  ])("refuses to start with %s=%s and says why", async (name, value, message) => {
    const result = await runCli(["serve"], { [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("serve --demo prints the key of the database in use, every start, and only one that works", async () => {
    const folder = temporaryFolder("serve-");
    const start = async (file: string) => {
      const child = spawnCli(["serve", "--demo"], { DATABASE_URL: `sqlite:${join(folder, file)}`, PORT: "0" });
      try {
        const printed = await demoLines(child);
        return { ...printed, works: (await curl(printed.list)).status === 200 };
      } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    };
    const one = await start("one.db");
    const two = await start("two.db");
    expect(one.works && two.works).toBe(true);
    expect(one.key).not.toBe(two.key);
    // Started again, each prints its own key, from the file beside its database.
    const oneAgain = await start("one.db");
    expect(oneAgain.key).toBe(one.key);
    expect(oneAgain.keyNote).toBe(`from ${join(folder, "one.db")}.demo-credentials.json`);
    expect(oneAgain.works).toBe(true);
    // A rotated key is not printed: the kept one no longer works.
    const rotated = await runCli(["org", "rotate-key", "--org", "Demo"], { DATABASE_URL: `sqlite:${join(folder, "one.db")}` });
    expect(rotated.code, rotated.stderr).toBe(0);
    const child = spawnCli(["serve", "--demo"], { DATABASE_URL: `sqlite:${join(folder, "one.db")}`, PORT: "0" });
    try {
      await waitForOutput(
        child,
        /does not open this database's "Demo" organization \(rotated since\?\): run "jobs-api org rotate-key --org Demo"/,
      );
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  it("logs are JSON lines when not on a terminal, and pretty with LOG_FORMAT=pretty", async () => {
    const run = async (env: Record<string, string>) => {
      const child = spawnCli(["serve"], { DATABASE_URL: "sqlite::memory:", PORT: "0", LOG_LEVEL: "info", ...env });
      try {
        return (await waitForOutput(child, /^(.*runner started.*)\n/m))[1]!;
      } finally {
        child.kill("SIGTERM");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    };
    expect(JSON.parse(await run({}))).toMatchObject({ level: 30, msg: "runner started", component: "runner", batchTimeMs: 5 });
    expect(JSON.parse(await run({ LOG_FORMAT: "json" }))).toMatchObject({ msg: "runner started" });
    const pretty = await run({ LOG_FORMAT: "pretty" });
    expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: runner started/);
  });
});

describe("jobs-api, first hour", () => {
  it("--version prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const result = await runCli(["--version"], {});
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("help says which database a command writes to, without a password", async () => {
    const sqlite = await runCli(["project", "create", "--help"], { DATABASE_URL: "sqlite:/tmp/somewhere/jobs.db" });
    expect(sqlite.stdout).toContain("Writes to: the SQLite file /tmp/somewhere/jobs.db (DATABASE_URL).");
    const unset = await runCli(["sessions", "import", "--help"], { DATABASE_URL: "" });
    expect(unset.stdout).toContain(`Writes to: the SQLite file ${join(ROOT, "data", "jobs-api.db")} (DATABASE_URL is not set).`);
    const postgres = await runCli(["--help"], { DATABASE_URL: "postgres://app:s3cret@db.internal:6543/jobs" });
    expect(postgres.stdout).toContain("Database: PostgreSQL database jobs on db.internal:6543 as app (DATABASE_URL).");
    expect(postgres.stdout).not.toContain("s3cret");
    expect((await runCli(["serve", "--help"], {})).stdout).toContain("Serves: ");
  });

  it.each([
    ["a space and punctuation", "bad key!"],
    ["nothing", ""],
    ["100 characters", "k".repeat(100)],
  ])("project create --key with %s is refused with the spec's rule, and nothing is created", async (_name, key) => {
    const url = `sqlite:${join(temporaryFolder("key-"), "jobs.db")}`;
    const result = await runCli(["project", "create", "--org", "Acme", "--name", "Web", "--key", key], { DATABASE_URL: url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `--key ${JSON.stringify(key)} is not valid: a project key is 1 to 64 characters, matching ^[A-Za-z0-9_-]+$`,
    );
    await withStore(url, async (store) => {
      await store.migrate();
      expect(await store.findOrganizationByName("Acme")).toBeUndefined();
    });
  });

  it("project create --key accepts any key the spec's pattern allows", async () => {
    const url = `sqlite:${join(temporaryFolder("key-"), "jobs.db")}`;
    const result = await runCli(["project", "create", "--org", "Acme", "--name", "Web", "--key", "my-Key_64", "--json"], {
      DATABASE_URL: url,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).projectKey).toBe("my-Key_64");
  });

  it("a database file that cannot be opened: the message names the file, DATABASE_URL and the fix", async () => {
    const folder = temporaryFolder("cantopen-");
    const result = await runCli(["project", "create", "--org", "A", "--name", "B"], { DATABASE_URL: `sqlite:${folder}` }); // a folder
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `jobs-api: cannot open the SQLite database file ${folder} (from DATABASE_URL): unable to open database file.`,
    );
    expect(result.stderr).toContain("set DATABASE_URL=sqlite:PATH");
    const file = join(folder, "plain-file");
    writeFileSync(file, "");
    const under = await runCli(["project", "create", "--org", "A", "--name", "B"], { DATABASE_URL: `sqlite:${file}/jobs.db` });
    expect(under.stderr).toContain("cannot create the folder of the SQLite database file (DATABASE_URL)");
  });

  it("a PostgreSQL server that is not there: the message names DATABASE_URL's host and port and how to get one", async () => {
    const result = await runCli(["project", "create", "--org", "A", "--name", "B"], { DATABASE_URL: "postgres://app:pw@127.0.0.1:1/jobs" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("jobs-api: cannot connect to PostgreSQL at 127.0.0.1:1 (DATABASE_URL): connection refused");
    expect(result.stderr).toContain("npm run db:postgres");
    expect(result.stderr).not.toContain("pw@");
  });

  it("DATABASE_URL asking for SSL of a PostgreSQL without it: the message names DATABASE_URL, host:port and the fix, without pg's warning", async () => {
    // A server that answers "N" to the SSLRequest, as a PostgreSQL without SSL does.
    const noSsl = createServer((socket) => socket.once("data", () => socket.end("N")));
    await new Promise<void>((resolve) => noSsl.listen(0, "127.0.0.1", resolve));
    const { port } = noSsl.address() as AddressInfo;
    try {
      for (const mode of ["require", "prefer", "verify-full"]) {
        const url = `postgres://app:pw@127.0.0.1:${port}/jobs?sslmode=${mode}`;
        const result = await runCli(["project", "create", "--org", "A", "--name", "B"], { DATABASE_URL: url });
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `jobs-api: PostgreSQL at 127.0.0.1:${port} (DATABASE_URL) does not accept SSL connections, and DATABASE_URL asks for SSL ` +
            `(sslmode=${mode}). Turn SSL on in that server, or, for a server on a network you trust, set sslmode=disable in DATABASE_URL.\n`,
        );
      }
    } finally {
      noSsl.close();
    }
  });

  it("sessions import of a file that is not there, or a folder: the message says so, and nothing is opened", async () => {
    const folder = temporaryFolder("import-");
    const env = { DATABASE_URL: `sqlite:${join(folder, "jobs.db")}` };
    const missing = await runCli(["sessions", "import", join(folder, "sessions.ndjson")], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `jobs-api: cannot read the sessions file ${join(folder, "sessions.ndjson")}: there is no such file. ` +
        "Check the path, or give - to read standard input; nothing was imported.\n",
    );
    const directory = await runCli(["sessions", "import", folder], env);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain(`cannot read the sessions file ${folder}: it is a folder.`);
    expect(existsSync(join(folder, "jobs.db"))).toBe(false); // checked before the database is opened
  });

  it("a port in use: the message names PORT and how to choose another", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runCli(["serve"], { DATABASE_URL: "sqlite::memory:", PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`jobs-api: port ${port} on 127.0.0.1 (PORT) is already in use by another process`);
      expect(result.stderr).toContain("PORT=0 picks a free one");
      const metrics = await runCli(["serve"], { DATABASE_URL: "sqlite::memory:", PORT: "0", METRICS_PORT: String(port) });
      expect(metrics.stderr).toContain(`jobs-api: port ${port} on 127.0.0.1 (METRICS_PORT) is already in use`);
    } finally {
      blocker.close();
    }
  });
});

/** The key and the three curl lines `serve --demo` prints. */
async function demoLines(child: ReturnType<typeof spawnCli>) {
  const [text, keyNote, key] = await waitForOutput(
    child,
    /API key \((.*)\): (\S+)\n[\s\S]*?curl -s [^\n]*\n[\s\S]*?curl -s -X DELETE [^\n]*\n[\s\S]*?curl -s '[^\n]*\n/,
  );
  const lines = text.split("\n").filter((line) => line.trim().startsWith("curl "));
  return { text, keyNote: keyNote!, key: key!, list: lines[0]!, delete: lines[1]!, since: lines[2]! };
}

/** Runs a printed curl line (`curl -s [-X METHOD] URL -H 'Authorization: KEY'`) with fetch. */
async function curl(line: string): Promise<{ status: number; body: any }> {
  const match = /curl -s (?:-X (\w+) )?'?(http:\/\/[^\s']+)'? -H 'Authorization: (\S+)'/.exec(line);
  if (!match) throw new Error(`not a curl line: ${line}`);
  const answer = await fetch(match[2]!, { method: match[1] ?? "GET", headers: { Authorization: match[3]! } });
  return { status: answer.status, body: await answer.json() };
}
