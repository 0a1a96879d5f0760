// API keys: stored only as hashes (nowhere in the database, not even in its files), compared in
// constant time, and never logged. The last is checked on the logs of a whole session of real
// processes at LOG_LEVEL=trace: the administration commands, two servers, every operation with
// good, bad, rotated and malformed keys, every limit, a crash and a restart, then a search of
// everything they wrote for every key used.
import { createHash } from "node:crypto";
import * as crypto from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { databases, queryRaw } from "../support/databases.js";
import { openStore } from "../../server/store/index.js";
import { httpRequest, leakedKeys, rawHttp, runJobsApi, spawnServe, waitFor, type ServeProcess } from "./support.js";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const sha256 = (key: string) => createHash("sha256").update(key).digest("hex");

describe.each(databases)("API keys on $name", (database) => {
  it("are compared in constant time: the lookup by hash ends in crypto.timingSafeEqual on the hashes", async () => {
    const store = await openStore(await database.url());
    try {
      await store.migrate();
      const { apiKey, organization } = await store.createOrganization("Timing");
      const spy = vi.mocked(crypto.timingSafeEqual);
      spy.mockClear();
      expect(await store.findOrganizationByApiKey(apiKey)).toEqual(organization);
      expect(spy).toHaveBeenCalledTimes(1);
      const [left, right] = spy.mock.calls[0]! as [Buffer, Buffer];
      expect(Buffer.from(left).toString("hex")).toBe(sha256(apiKey));
      expect(Buffer.from(right).toString("hex")).toBe(sha256(apiKey));
    } finally {
      await store.close();
    }
  });

  it("are never stored and never logged: a whole session of CLI commands and servers at trace level holds no key anywhere", async () => {
    const url = await database.url();
    const env = {
      DATABASE_URL: url,
      LOG_LEVEL: "trace",
      JOBS_START_DELAY: "0s",
      JOBS_POLL_INTERVAL: "100ms",
      JOBS_LEASE: "1s",
      RATE_LIMIT: "40",
    };
    const keys: string[] = [];
    const outputs: string[] = [];
    const cli = async (args: string[]) => {
      const run = await runJobsApi([...args, "--json"], env);
      expect(run.code, run.stderr).toBe(0);
      outputs.push(run.stderr); // stdout is the command's answer (it prints a new key once, by design)
      return JSON.parse(run.stdout);
    };

    // Keys issued every way there is: a new organization, the demo, a rotation (twice).
    const a = await cli(["project", "create", "--org", "Keys A", "--name", "Web"]);
    const demo = await cli(["demo"]);
    const rotated = await cli(["org", "rotate-key", "--org", "Keys A"]);
    const current = await cli(["org", "rotate-key", "--org", "Keys A"]);
    await cli(["project", "create", "--org", "Keys A", "--name", "Second"]);
    keys.push(a.apiKey, demo.apiKey, rotated.apiKey, current.apiKey);
    const keyA = current.apiKey as string;

    const servers: ServeProcess[] = [];
    try {
      servers.push(await spawnServe(env, `keys-${database.name}-1`));
      const [first] = servers as [ServeProcess];
      const base = `/api/v1/${a.projectKey}`;
      const call = (server: ServeProcess, method: string, path: string, headers: Record<string, string> = {}) =>
        httpRequest(server.url, path, { method, headers });

      // Every operation, with the current key (raw and Bearer), old keys, near misses.
      const job = await call(first, "DELETE", `${base}/users/keys-user@example.com`, { authorization: keyA });
      expect(job.status).toBe(200);
      const jobPath = `${base}/jobs/${job.body.data.jobId}`;
      for (const authorization of [keyA, `Bearer ${keyA}`, `bearer ${keyA}`]) {
        expect((await call(first, "GET", `${base}/jobs`, { authorization })).status).toBe(200);
        expect((await call(first, "GET", jobPath, { authorization })).status).toBe(200);
      }
      for (const authorization of [a.apiKey, rotated.apiKey, `${keyA}x`, keyA.slice(0, -1), `Basic ${keyA}`, `${keyA} ${keyA}`]) {
        expect((await call(first, "GET", `${base}/jobs`, { authorization })).status).toBe(401);
        expect((await call(first, "DELETE", jobPath, { authorization })).status).toBe(401);
      }
      // Another organization's key on this project; this key on another organization's project.
      expect((await call(first, "GET", `${base}/jobs`, { authorization: demo.apiKey })).status).toBe(404);
      expect((await call(first, "GET", `/api/v1/${demo.projectKey}/jobs`, { authorization: keyA })).status).toBe(404);
      // Errors and limits, with the key in the request: 400, 404, 405, 413, 414, 431, 501, 408-less
      // broken HTTP, a key with control characters, and the rate limit (429).
      expect((await call(first, "GET", `${base}/jobs/abc`, { authorization: keyA })).status).toBe(400);
      expect((await call(first, "GET", `${base}/jobs?limit=1e309`, { authorization: keyA })).status).toBe(400);
      expect((await call(first, "GET", `${base}/jobs/999999`, { authorization: keyA })).status).toBe(404);
      expect((await call(first, "PUT", `${base}/jobs`, { authorization: keyA })).status).toBe(405);
      const tooLarge = await httpRequest(first.url, `${base}/jobs`, { headers: { authorization: keyA }, body: "x".repeat(5000) });
      expect(tooLarge.status, tooLarge.text).toBe(413);
      expect((await call(first, "GET", `${base}/jobs?${"q".repeat(9000)}=1`, { authorization: keyA })).status).toBe(414);
      const big = await rawHttp(first.port, [
        `GET ${base}/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: ${keyA}\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
      ]);
      expect(big.status).toBe(431);
      const broken = await rawHttp(first.port, [`GET ${base}/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: ${keyA}\x01\r\n\r\n`]);
      expect(broken.status).toBe(400);
      // The job runs at once (JOBS_START_DELAY=0s): a cancel then answers 501.
      await waitFor("the job to complete", async () => {
        const rows = await queryRaw(url, `select status from jobs where job_id = ${job.body.data.jobId}`);
        return rows[0]?.status === "completed" ? true : undefined;
      });
      expect((await call(first, "DELETE", jobPath, { authorization: keyA })).status).toBe(501);
      let limited = 0;
      for (let i = 0; i < 45 && limited === 0; i++) {
        if ((await call(first, "GET", `${base}/jobs`, { authorization: keyA })).status === 429) limited++;
      }
      expect(limited).toBe(1);

      // A crash, a restart, the demo key in use on the new process.
      await first.stop("SIGKILL");
      servers.push(await spawnServe(env, `keys-${database.name}-2`));
      const second = servers[1]!;
      expect((await call(second, "GET", `/api/v1/${demo.projectKey}/jobs`, { authorization: demo.apiKey })).status).toBe(200);
      expect(
        (await call(second, "DELETE", `/api/v1/${demo.projectKey}/users/li@example.com`, { authorization: `Bearer ${demo.apiKey}` }))
          .status,
      ).toBe(200);
      await second.stop("SIGTERM");
    } finally {
      await Promise.all(servers.map((s) => s.stop("SIGKILL")));
    }
    outputs.push(...servers.map((s) => s.output()));

    // The logs: something was logged at trace level (requests, runner), and no key, in any form.
    const logs = outputs.join("\n");
    expect(logs).toContain('"msg":"request completed"');
    expect(logs).toContain('"msg":"job completed"');
    expect(leakedKeys(logs, keys)).toEqual([]);
    // Nor the part after the prefix, nor the hash (a lookup key for the database).
    expect(
      leakedKeys(
        logs,
        keys.map((k) => k.slice(4)),
      ),
    ).toEqual([]);
    expect(leakedKeys(logs, keys.map(sha256))).toEqual([]);

    // The database: only the hashes of the current keys, no key in any table...
    const tables = ["organizations", "projects", "jobs", "sessions"];
    const dump = JSON.stringify(await Promise.all(tables.map((t) => queryRaw(url, `select * from ${t}`))));
    expect(leakedKeys(dump, keys)).toEqual([]);
    const hashes = (await queryRaw(url, "select api_key_hash from organizations order by id")).map((r) => r.api_key_hash);
    expect(hashes).toEqual([sha256(keyA), sha256(demo.apiKey)]);
    // ...and (SQLite) in no byte of its files, freed pages and write-ahead log included.
    if (url.startsWith("sqlite:")) {
      const path = url.slice("sqlite:".length);
      for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
        const bytes = readFileSync(file);
        for (const key of keys) expect(bytes.includes(Buffer.from(key)), `${key} in ${file}`).toBe(false);
      }
    }
  }, 180_000);
});
