// The store's own errors: a busy database is a StoreError "busy", never a driver's code, and the
// HTTP layer maps that kind (not a driver detail) to 503.
import type { Request } from "express";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { toProblem } from "../../server/http/app.js";
import { StoreError, busyOrAsIs, transientFailure } from "../../server/store/errors.js";
import { openStore } from "../../server/store/index.js";
import { databases, seedTenant } from "../support/databases.js";

describe("a busy database", () => {
  it("a write while another connection holds SQLite's write lock fails with StoreError busy", async () => {
    const database = databases.find((candidate) => candidate.name === "sqlite")!;
    const url = await database.url();
    const store = await openStore(url);
    await store.migrate();
    const { project } = await seedTenant(store, "Busy");
    const other = new BetterSqlite3(url.slice("sqlite:".length));
    try {
      other.exec("BEGIN IMMEDIATE");
      const failure = await store.scheduleUserDeletion(project.projectId, "busy@example.com", 1, 2).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StoreError);
      expect(failure).toMatchObject({ code: "busy" });
      other.exec("ROLLBACK");
      expect((await store.scheduleUserDeletion(project.projectId, "busy@example.com", 1, 2)).created).toBe(true);
    } finally {
      other.close();
      await store.close();
    }
  });

  it("SQLITE_BUSY and SQLITE_LOCKED, extended codes included, become StoreError busy; other errors stay as they are", () => {
    for (const code of ["SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED", "SQLITE_LOCKED_SHAREDCACHE"]) {
      expect(busyOrAsIs(Object.assign(new Error(code), { code }))).toMatchObject({ name: "StoreError", code: "busy" });
    }
    for (const error of [
      Object.assign(new Error("x"), { code: "SQLITE_CONSTRAINT_UNIQUE" }),
      Object.assign(new Error("x"), { code: "SQLITE_BUSYNESS" }),
      null,
      "text",
    ]) {
      expect(busyOrAsIs(error)).toBe(error);
    }
  });

  it("the HTTP mapper answers StoreError busy with 503 and Retry-After, and knows no driver code", () => {
    const req = { method: "GET", path: "/api/v1/key/jobs" } as Request;
    expect(toProblem(new StoreError("busy", "busy"), req)).toMatchObject({
      status: 503,
      kind: "unavailable",
      headers: { "Retry-After": "1" },
    });
    // A driver's error reaches it classified by the store (transientFailure), never by its code here.
    expect(toProblem(new Error("a bug", { cause: new TypeError("x") }), req)).toMatchObject({ status: 500, kind: "internal" });
  });
});

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("transientFailure", () => {
  it.each([
    ["SQLITE_BUSY", withCode("SQLITE_BUSY", "database is locked")],
    ["SQLITE_BUSY_SNAPSHOT", withCode("SQLITE_BUSY_SNAPSHOT")],
    ["SQLITE_LOCKED", withCode("SQLITE_LOCKED", "database table is locked")],
    ["40001 serialization_failure", withCode("40001")],
    ["40P01 deadlock_detected", withCode("40P01")],
    ["55P03 lock_not_available", withCode("55P03")],
    ["53300 too_many_connections", withCode("53300")],
    ["57P01 admin_shutdown", withCode("57P01")],
    ["57P02 crash_shutdown", withCode("57P02")],
    ["57P03 cannot_connect_now", withCode("57P03")],
    ["08000 connection_exception", withCode("08000")],
    ["08006 connection_failure", withCode("08006")],
    ["08001 unable to connect", withCode("08001")],
    ["ECONNREFUSED", withCode("ECONNREFUSED")],
    ["ECONNRESET", withCode("ECONNRESET")],
    ["ETIMEDOUT", withCode("ETIMEDOUT")],
    ["pg: Connection terminated unexpectedly", new Error("Connection terminated unexpectedly")],
    ["pg-pool: timeout exceeded when trying to connect", new Error("timeout exceeded when trying to connect")],
    ["pg: Query read timeout (DATABASE_STATEMENT_TIMEOUT in the client)", new Error("Query read timeout")],
    ["57014 query_canceled (statement_timeout)", withCode("57014", "canceling statement due to statement timeout")],
    [
      "pg-pool: Connection terminated due to connection timeout",
      new Error("Connection terminated due to connection timeout", { cause: new Error("Connection terminated unexpectedly") }),
    ],
    ["pg: timeout expired (a client's connectionTimeoutMillis)", new Error("timeout expired")],
    ["a wrapped cause", new Error("Database migration failed", { cause: withCode("40P01") })],
    [
      "Node's AggregateError of several addresses",
      Object.assign(new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")]), {}),
    ],
  ])("%s is transient", (_name, error) => {
    expect(transientFailure(error)).toEqual(expect.any(String));
  });

  it.each([
    ["23505 unique_violation", withCode("23505")],
    ["23503 foreign_key_violation", withCode("23503")],
    ["42P01 undefined_table", withCode("42P01")],
    ["42501 insufficient_privilege", withCode("42501")],
    ["22P02 invalid_text_representation", withCode("22P02")],
    ["SQLITE_CONSTRAINT_UNIQUE", withCode("SQLITE_CONSTRAINT_UNIQUE")],
    ["SQLITE_ERROR (no such column)", withCode("SQLITE_ERROR", "no such column: x")],
    ["SQLITE_CORRUPT", withCode("SQLITE_CORRUPT")],
    ["SQLITE_READONLY", withCode("SQLITE_READONLY")],
    ["a TypeError", new TypeError("Cannot read properties of undefined")],
    ["a string", "boom"],
    ["null", null],
  ])("%s is permanent", (_name, error) => {
    expect(transientFailure(error)).toBeUndefined();
  });
});
