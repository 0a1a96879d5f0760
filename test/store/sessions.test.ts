import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Project, SessionRow, Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, sessionsOf } from "../support/jobs.js";
import { countSessions } from "../../server/store/fixtures.js";
import { contextOf } from "../../server/store/store.js";

describe.each(databases)("importSessions on $name", (database) => {
  let store: Store;
  let project: Project;
  beforeEach(async () => {
    store = await openMigratedStore(database);
    ({ project } = await seedTenant(store, "Acme"));
  });
  afterEach(() => store.close());

  const row = (sessionId: string, userId = "ana@example.com"): SessionRow => ({
    sessionId,
    projectId: project.projectId,
    userId,
    startedAt: NOW,
  });

  it("imports every row of every chunk and answers the count", async () => {
    expect(await store.importSessions(sessionsOf(project.projectId, "ana@example.com", 2500, 700))).toBe(2500);
    expect(await countSessions(store, project.projectId, "ana@example.com")).toBe(2500);
  });

  it("splits chunks larger than a statement may hold (SQLite 32,766 variables, PostgreSQL 65,535 parameters)", async () => {
    expect(await store.importSessions(sessionsOf(project.projectId, "ana@example.com", 25_000, 12_500))).toBe(25_000);
    expect(await countSessions(store, project.projectId)).toBe(25_000);
  });

  it("keeps the optional session details", async () => {
    await store.importSessions(
      (async function* () {
        yield [{ ...row("s1"), userAgent: "Mozilla/5.0", durationMs: 42_000 }, row("s2")];
      })(),
    );
    expect(await countSessions(store, project.projectId)).toBe(2);
  });

  it("stores every value exactly, tabs, newlines, backslashes, quotes and any script included (PostgreSQL's COPY escapes them)", async () => {
    const odd = ["tab\there", "new\nline", "cr\rhere", "back\\slash\\N", "\\N", "quote\"s, 'and' commas", "日本語 ✓ 🎉", " spaced ", "\\t literal"];
    const rows: SessionRow[] = odd.map((value, i) => ({ ...row(`${value}#${i}`, value), userAgent: value, durationMs: i }));
    rows.push({ ...row("nulls"), userAgent: null, durationMs: null });
    expect(await store.importSessions((async function* () { yield rows; })())).toBe(rows.length);
    const stored = await contextOf(store)
      .db.selectFrom("sessions")
      .select(["session_id", "user_id", "user_agent", "duration_ms", "started_at", "project_id"])
      .orderBy("id")
      .execute();
    expect(stored).toEqual(
      rows.map((r) => ({
        session_id: r.sessionId,
        user_id: r.userId,
        user_agent: r.userAgent ?? null,
        duration_ms: r.durationMs ?? null,
        started_at: NOW,
        project_id: project.projectId,
      })),
    );
  });

  it("an iterable that throws after two chunks leaves nothing imported, and its error comes out", async () => {
    const failing = (async function* () {
      yield [row("s1"), row("s2")];
      yield [row("s3")];
      throw new Error("line 4: not valid JSON");
    })();
    await expect(store.importSessions(failing)).rejects.toThrow("line 4: not valid JSON");
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("a session id twice in the input is a StoreError and nothing is imported", async () => {
    const duplicated = (async function* () {
      yield [row("s1"), row("s2")];
      yield [row("s3"), row("s1", "li@example.com")];
    })();
    const error = await store.importSessions(duplicated).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "StoreError", code: "duplicate" });
    expect((error as Error).message).toMatch(/^Nothing was imported: a session id is already in its project/);
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("a session id already in the project is a StoreError and nothing of the new import is kept", async () => {
    await store.importSessions(
      (async function* () {
        yield [row("s1")];
      })(),
    );
    const again = (async function* () {
      yield [row("s2"), row("s3")];
      yield [row("s1")];
    })();
    await expect(store.importSessions(again)).rejects.toMatchObject({ name: "StoreError", code: "duplicate" });
    expect(await countSessions(store, project.projectId)).toBe(1);
  });

  it("the same session id in two projects is fine", async () => {
    const { project: other } = await seedTenant(store, "Globex");
    await store.importSessions(
      (async function* () {
        yield [row("s1"), { ...row("s1"), projectId: other.projectId }];
      })(),
    );
    expect(await countSessions(store, project.projectId)).toBe(1);
    expect(await countSessions(store, other.projectId)).toBe(1);
  });

  it("a session of a project that does not exist is a StoreError and nothing is imported", async () => {
    const orphan = (async function* () {
      yield [row("s1"), { ...row("s2"), projectId: 999_999 }];
    })();
    await expect(store.importSessions(orphan)).rejects.toMatchObject({ name: "StoreError", code: "unknown-reference" });
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("the iterable may use the store while the import runs (as the CLI looks projects up)", async () => {
    const lookingUp = (async function* () {
      for (let i = 0; i < 3; i++) {
        const found = await store.findProjectByKey(project.projectKey);
        yield [row(`s${i}`, `user${found!.projectId}`)];
      }
    })();
    expect(await store.importSessions(lookingUp)).toBe(3);
    expect(await countSessions(store, project.projectId)).toBe(3);
  });
});
