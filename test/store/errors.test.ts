// The store's classification of driver errors: transient (retry later) or permanent.
import { describe, expect, it } from "vitest";
import { transientFailure } from "../../server/store/errors.js";

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
    ["a wrapped cause", new Error("Database migration failed", { cause: withCode("40P01") })],
    ["Node's AggregateError of several addresses", Object.assign(new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")]), {})],
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
