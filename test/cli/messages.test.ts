// What the jobs-api command tells an operator (server/cli/messages.ts), where the demo key is
// kept (server/cli/demo-credentials.ts) and when logs are pretty (server/logger.ts): the cases the
// CLI tests do not reach by running the command (a wrong password, a missing database, ...).
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { describeDatabase, explainError } from "../../server/cli/messages.js";
import { demoCredentialsPath } from "../../server/cli/demo-credentials.js";
import { isPretty } from "../../server/logger.js";

const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });
const PG = { DATABASE_URL: "postgres://app:secret@db.internal:6543/jobs" };

describe("explainError", () => {
  it.each([
    ["28P01", "PostgreSQL at db.internal:6543 (DATABASE_URL) refused the password of user app: fix the user or password in DATABASE_URL."],
    [
      "3D000",
      "PostgreSQL at db.internal:6543 (DATABASE_URL) has no database jobs: create it (CREATE DATABASE jobs;) or fix its name in DATABASE_URL.",
    ],
    [
      "ENOTFOUND",
      "cannot connect to PostgreSQL at db.internal:6543 (DATABASE_URL): the host name db.internal does not resolve. Fix the host in DATABASE_URL.",
    ],
  ])("PostgreSQL %s names DATABASE_URL and the fix, never the password", (code, message) => {
    const explained = explainError(pgError(code), PG);
    expect(explained).toBe(message);
    expect(explained).not.toContain("secret");
  });

  it("finds the driver's error in a cause chain (a wrapped migration error)", () => {
    const wrapped = new Error("Database migration failed: connect ECONNREFUSED", { cause: pgError("ECONNREFUSED") });
    expect(explainError(wrapped, PG)).toMatch(/^cannot connect to PostgreSQL at db.internal:6543 \(DATABASE_URL\): connection refused/);
  });

  it("a privileged port names PORT and a port from 1024", () => {
    const error = Object.assign(new Error("listen EACCES"), { code: "EACCES", syscall: "listen", port: 80, address: "0.0.0.0" });
    expect(explainError(error, {}, { api: 80 })).toBe(
      "port 80 on 0.0.0.0 (PORT) needs privileges this user lacks (ports below 1024 do): choose a port from 1024, e.g. PORT=3000.",
    );
  });

  it("answers undefined for errors that are not the environment's", () => {
    expect(explainError(new Error("boom"), PG)).toBeUndefined();
    expect(explainError(pgError("23505"), PG)).toBeUndefined();
  });
});

describe("describeDatabase", () => {
  it("names the database without a password", () => {
    expect(describeDatabase(PG.DATABASE_URL)).toBe("PostgreSQL database jobs on db.internal:6543 as app (DATABASE_URL)");
    expect(describeDatabase("sqlite:./x/y.db")).toBe(`the SQLite file ${resolve("x/y.db")} (DATABASE_URL)`);
    expect(describeDatabase("sqlite::memory:")).toMatch(/^an in-memory SQLite database/);
  });
});

describe("demo credentials, one file per database", () => {
  it("beside a SQLite file, per PostgreSQL server and database, none in memory", () => {
    expect(demoCredentialsPath(undefined)).toBe(resolve("data", "jobs-api.db.demo-credentials.json"));
    expect(demoCredentialsPath("sqlite:/srv/a.db")).toBe("/srv/a.db.demo-credentials.json");
    expect(demoCredentialsPath("sqlite::memory:")).toBeUndefined();
    const one = demoCredentialsPath("postgres://u:p@127.0.0.1:5432/jobs_api");
    const two = demoCredentialsPath("postgres://u:p@127.0.0.1:5432/other");
    expect(one).toBe(join(resolve("data", "demo-credentials"), "postgres-127.0.0.1-5432-jobs_api.json"));
    expect(two).not.toBe(one);
  });
});

describe("log format", () => {
  it("auto is pretty exactly on a terminal; json and pretty force it", () => {
    expect(isPretty("auto", { isTTY: true })).toBe(true);
    expect(isPretty("auto", { isTTY: false })).toBe(false);
    expect(isPretty("auto", {})).toBe(false);
    expect(isPretty("json", { isTTY: true })).toBe(false);
    expect(isPretty("pretty", {})).toBe(true);
  });
});
