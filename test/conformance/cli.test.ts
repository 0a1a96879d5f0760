// The `conformance` command (client/conformance/cli.ts, run through tsx as `npm run conformance`
// does): its exit codes (0 all passed, 1 a check failed, 2 usage or connection error), its
// terminal, JSON and JUnit reports, and that it never prints the API keys.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS, checksMarkdownTable } from "../../client/conformance/index.js";
import { runTsCommand } from "../support/cli.js";
import { databases, seedTenant } from "../support/databases.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { temporaryFolder } from "../support/temp.js";
import { startUpstreamLikeServer, type UpstreamLikeServer } from "./upstream-like-server.js";

const conformance = (args: string[], env: Record<string, string> = {}) =>
  runTsCommand("client/conformance/cli.ts", ["conformance", ...args], { NO_COLOR: undefined, ...env });

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("the conformance command", () => {
  let upstream: UpstreamLikeServer;
  let server: TestServer;
  let own: { apiKey: string; projectKey: string };
  let other: { apiKey: string; projectKey: string };

  beforeAll(async () => {
    upstream = await startUpstreamLikeServer();
    server = await startTestServer(await databases[0]!.url());
    const a = await seedTenant(server.store, "cli-own");
    const b = await seedTenant(server.store, "cli-other");
    own = { apiKey: a.apiKey, projectKey: a.project.projectKey };
    other = { apiKey: b.apiKey, projectKey: b.project.projectKey };
  });

  afterAll(async () => {
    await upstream?.close();
    await server?.close();
  });

  it("exits 0 when every check passes, one PASS line per check, keys from the environment never printed", async () => {
    const result = await conformance(
      ["--base-url", server.url, "--project-key", own.projectKey, "--other-project-key", other.projectKey, "--allow-writes"],
      { CONFORMANCE_API_KEY: own.apiKey, CONFORMANCE_OTHER_API_KEY: other.apiKey },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    for (const check of CHECKS) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^PASS ${check.id.replace(".", "\\.")} `)));
    expect(result.stdout).toMatch(new RegExp(`^${CHECKS.length} passed, 0 failed, 0 skipped \\(`, "m"));
    expect(result.stdout).not.toContain("\u001b["); // no color when standard output is not a terminal
    expect(result.stdout).not.toContain(own.apiKey);
    expect(result.stdout).not.toContain(other.apiKey);
  });

  it("exits 1 when a check fails, with expected and got under the FAIL line, and writes JUnit XML into a new folder", async () => {
    const [a, b] = upstream.tenants;
    const junit = join(temporaryFolder("conformance-"), "out", "reports", "report.xml"); // out/ does not exist
    const args = ["--base-url", upstream.url, "--api-key", a.apiKey, "--project-key", a.projectKey];
    const result = await conformance([
      ...args,
      "--other-api-key",
      b.apiKey,
      "--other-project-key",
      b.projectKey,
      "--allow-writes",
      "--junit",
      junit,
    ]);
    expect(result.code).toBe(1);
    const lines = result.stdout.split("\n");
    const fail = lines.findIndex((line) => line.startsWith("FAIL cancelJob.second-cancel-501 "));
    expect(lines[fail + 1]).toMatch(/^\s+expected: DELETE \/api\/v1\/upstreamProjectOne\/jobs\/\d+ -> 501 application\/problem\+json$/);
    expect(lines[fail + 2]).toMatch(/^\s+got:\s+DELETE \/api\/v1\/upstreamProjectOne\/jobs\/\d+ -> 400 application\/problem\+json /);
    expect(result.stdout).toMatch(/^22 passed, 5 failed, 0 skipped/m);
    expect(result.stdout).not.toContain(a.apiKey);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testsuites name="Jobs API conformance" tests="27" failures="5" skipped="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(CHECKS.length);
    expect(xml).toMatch(
      /<testcase classname="conformance.cancelJob" name="cancelJob.second-cancel-501" time="[\d.]+">\s*<failure message="expected DELETE/,
    );
    expect(xml).not.toContain(a.apiKey);
  });

  it("--json prints the report as JSON only; read-only by default, the writing checks skipped", async () => {
    const [a] = upstream.tenants;
    const result = await conformance(["--base-url", upstream.url, "--api-key", a.apiKey, "--project-key", a.projectKey, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.allowWrites).toBe(false);
    expect(report.checks.filter((c: { outcome: string }) => c.outcome === "failed").map((c: { id: string }) => c.id)).toEqual([
      "notFound.unknown-job",
    ]);
    expect(report.checks.find((c: { id: string }) => c.id === "cancelJob.cancels")).toMatchObject({
      outcome: "skipped",
      reason: "needs --allow-writes",
    });
    expect(result.stdout).not.toContain(a.apiKey);
  });

  it("--only and --skip select checks by id or group.*", async () => {
    const [a] = upstream.tenants;
    const args = ["--base-url", upstream.url, "--api-key", a.apiKey, "--project-key", a.projectKey, "--json"];
    const result = await conformance([...args, "--only", "auth.*,notFound.unknown-job", "--skip", "auth.missing-key"]);
    const report = JSON.parse(result.stdout);
    const ran = report.checks.filter((c: { outcome: string }) => c.outcome !== "skipped").map((c: { id: string }) => c.id);
    expect(ran).toEqual([
      "auth.wrong-raw-key",
      "auth.wrong-bearer-key",
      "auth.raw-key-accepted",
      "auth.bearer-key-accepted",
      "notFound.unknown-job",
    ]);
    expect(result.code).toBe(1);
  });

  it("exits 2 on usage errors, with the reason and the usage on standard error", async () => {
    const fileInTheWay = join(temporaryFolder("conformance-"), "a-file");
    writeFileSync(fileInTheWay, "");
    const base = ["--base-url", "http://127.0.0.1:9", "--api-key", "k", "--project-key", "p"];
    const cases: Array<[string[], RegExp]> = [
      [[], /--base-url/],
      [["--base-url", "http://127.0.0.1:9", "--project-key", "p"], /API key is required/],
      [[...base, "--bogus"], /Unknown option '--bogus'/],
      [[...base, "--other-api-key", "k2"], /needs both --other-api-key and --other-project-key/],
      [[...base, "--only", "no.such-check"], /no check is named "no.such-check"/],
      [[...base, "--timeout", "soon"], /--timeout must be a positive integer/],
      [["--base-url", "not a url", "--api-key", "k", "--project-key", "p"], /not a URL/],
      [[...base, "--deadline", "0"], /--deadline must be a positive integer/],
      [["--base-url", "http://user:s3cret-pass@127.0.0.1:9", "--api-key", "k", "--project-key", "p"], /must not hold credentials/],
      [[...base, "--junit", join(fileInTheWay, "report.xml")], /--junit .*report\.xml: cannot write there \(E[A-Z]+/],
    ];
    for (const [args, message] of cases) {
      const result = await conformance(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain("s3cret-pass");
      expect(result.stderr).toContain("Usage: openreplay-jobs-api conformance");
      expect(result.stdout).toBe("");
    }
    const noCommand = await runTsCommand("client/conformance/cli.ts", base);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/missing the command: conformance/);
  }, 300_000); // ten commands, one after the other, on a busy machine

  it("exits 2 when the base URL does not answer", async () => {
    const port = await closedPort();
    const result = await conformance(["--base-url", `http://127.0.0.1:${port}`, "--api-key", "k", "--project-key", "p"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`http://127.0.0.1:${port} did not answer: GET /api/v1/p/jobs: no answer`));
    expect(result.stdout).toBe("");
  });

  it("--list prints the check table of the guide; --help the usage, both exit 0", async () => {
    const list = await conformance(["--list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(checksMarkdownTable());
    const help = await conformance(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: openreplay-jobs-api conformance --base-url URL --api-key KEY --project-key KEY/);
  });
});
