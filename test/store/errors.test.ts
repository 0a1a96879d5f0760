// The store's own errors: a busy database is a StoreError "busy", never a driver's code, and the
// HTTP layer maps that kind (not a driver detail) to 503.
import type { Request } from "express";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { toProblem } from "../../server/app.js";
import { StoreError, busyOrAsIs } from "../../server/store/errors.js";
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
    for (const error of [Object.assign(new Error("x"), { code: "SQLITE_CONSTRAINT_UNIQUE" }), Object.assign(new Error("x"), { code: "SQLITE_BUSYNESS" }), null, "text"]) {
      expect(busyOrAsIs(error)).toBe(error);
    }
  });

  it("the HTTP mapper answers StoreError busy with 503 and Retry-After, and knows no driver code", () => {
    const req = { method: "GET", path: "/api/v1/key/jobs" } as Request;
    expect(toProblem(new StoreError("busy", "busy"), req)).toMatchObject({ status: 503, kind: "unavailable", headers: { "Retry-After": "1" } });
    expect(toProblem(Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }), req)).toMatchObject({ status: 500, kind: "internal" });
  });
});
