import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Project, SessionRow, Store } from "../../server/store/types.js";
import { databases, eachTenantStore, seedTenant } from "../support/databases.js";
import { openStore } from "../../server/store/index.js";
import { NOW, sessionsOf } from "../support/jobs.js";
import { countSessions } from "../../server/store/fixtures.js";
import { DuplicateSessionError, StoreError } from "../../server/store/errors.js";
import { contextOf } from "../../server/store/store.js";

describe.each(databases)("importSessions on $name", (database) => {
  let store: Store;
  let project: Project;
  eachTenantStore(database, (opened) => ({ store, project } = opened));

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

  it("an iterable that throws after two chunks leaves nothing imported, and its error comes out", async () => {
    const failing = (async function* () {
      yield [row("s1"), row("s2")];
      yield [row("s3")];
      throw new Error("line 4: not valid JSON");
    })();
    await expect(store.importSessions(failing)).rejects.toThrow("line 4: not valid JSON");
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("a session id twice in the input is a StoreError naming the second row, and nothing is imported", async () => {
    const second = row("s1", "li@example.com");
    const duplicated = (async function* () {
      yield [row("s1"), row("s2")];
      yield [row("s3"), second];
    })();
    const error = await store.importSessions(duplicated).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "duplicate", alreadyStored: false });
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ row: { sessionId: "s1", projectId: project.projectId }, index: 3 });
    expect((error as Error).message).toBe(
      `Nothing was imported: session id "s1" appears twice in the input (project ${project.projectId}).`,
    );
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("a session id twice in one statement is found too: the second occurrence is the duplicate", async () => {
    const second = row("s2", "li@example.com");
    const error = await store
      .importSessions(
        (async function* () {
          yield [row("s1"), row("s2"), row("s3"), second, row("s4")];
        })(),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DuplicateSessionError);
    expect(error).toMatchObject({ row: { sessionId: second.sessionId, projectId: project.projectId }, index: 3, alreadyStored: false });
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
    await expect(store.importSessions(again)).rejects.toMatchObject({
      code: "duplicate",
      alreadyStored: true,
      row: { sessionId: "s1", projectId: project.projectId },
      index: 2,
      message: `Nothing was imported: session id "s1" is already in project ${project.projectId}.`,
    });
    expect(await countSessions(store, project.projectId)).toBe(1);
  });

  /** `count` rows s0, s1, ... in chunks of `chunk`, with `at` (index → row) put in their places. */
  async function* rowsWith(count: number, chunk: number, at: Record<number, SessionRow>): AsyncGenerator<SessionRow[]> {
    for (let start = 0; start < count; start += chunk) {
      yield Array.from({ length: Math.min(chunk, count - start) }, (_, i) => at[start + i] ?? row(`s${start + i}`));
    }
  }

  // Index 2499 is the 2,500th row: in the third chunk of 1000, mid-statement; 1000 and 999 are the
  // first row of a chunk and the last of one; 4999 the very last row (of a group cut short: 5050 rows).
  it.each([2499, 1000, 999, 5049])("a duplicate of an earlier row at index %i names that index, whatever the chunks", async (index) => {
    for (const chunk of [1000, 700]) {
      const error = await store.importSessions(rowsWith(5050, chunk, { [index]: row("s17") })).catch((caught: unknown) => caught);
      expect(error, `chunks of ${chunk}`).toBeInstanceOf(DuplicateSessionError);
      expect(error).toMatchObject({ row: { sessionId: "s17", projectId: project.projectId }, index, alreadyStored: false });
    }
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it.each([2499, 1000, 0, 5049])("a session already stored at index %i names that index", async (index) => {
    await store.importSessions(rowsWith(1, 1, { 0: row("kept") }));
    const error = await store.importSessions(rowsWith(5050, 1000, { [index]: row("kept") })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ row: { sessionId: "kept", projectId: project.projectId }, index, alreadyStored: true });
    expect(await countSessions(store, project.projectId)).toBe(1);
  });

  it("the first duplicate in input order is the one named, when there are several", async () => {
    await store.importSessions(rowsWith(1, 1, { 0: row("kept") }));
    const error = await store
      .importSessions(rowsWith(3000, 1000, { 1500: row("s3"), 1700: row("kept"), 2900: row("s5") }))
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ row: { sessionId: "s3" }, index: 1500, alreadyStored: false });
  });

  const oddValues = [
    "tab\there",
    "new\nline",
    "cr\rhere",
    "back\\slash\\N",
    "\\N",
    "\\.",
    "quote\"s, 'and' commas",
    "日本語 ✓ 🎉",
    " spaced ",
    "\\t literal",
    "x) already exists.",
    "🎉".repeat(256),
  ];

  it("stores every value exactly: tabs, newlines, backslashes, quotes, any script (PostgreSQL's COPY text format escapes them)", async () => {
    const rows: SessionRow[] = oddValues.map((value, i) => ({ ...row(`${value}#${i}`, value), userAgent: value, durationMs: i }));
    rows.push({ ...row("nulls"), userAgent: null, durationMs: null });
    expect(await store.importSessions(rowsWith(rows.length, 5, Object.fromEntries(rows.entries())))).toBe(rows.length);
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

  it.each(oddValues.map((value) => [JSON.stringify(value).slice(0, 40), value]))(
    "a duplicate session id %s is named exactly, in the input and already stored",
    async (_name, sessionId) => {
      const twice = await store
        .importSessions(rowsWith(2000, 1000, { 10: row(sessionId), 1500: row(sessionId, "li@example.com") }))
        .catch((caught: unknown) => caught);
      expect(twice).toMatchObject({ row: { sessionId, projectId: project.projectId }, index: 1500, alreadyStored: false });
      await store.importSessions(rowsWith(1, 1, { 0: row(sessionId) }));
      const stored = await store.importSessions(rowsWith(2000, 1000, { 1234: row(sessionId) })).catch((caught: unknown) => caught);
      expect(stored).toMatchObject({ row: { sessionId, projectId: project.projectId }, index: 1234, alreadyStored: true });
      expect(await countSessions(store, project.projectId)).toBe(1);
    },
  );

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

describe("importSessions on an in-memory SQLite database (the store's one connection)", () => {
  let store: Store;
  let project: Project;
  beforeEach(async () => {
    store = await openStore("sqlite::memory:");
    await store.migrate();
    ({ project } = await seedTenant(store, "Acme"));
  });
  afterEach(() => store.close());

  it("imports every row, and a duplicate names its index and leaves nothing imported", async () => {
    expect(await store.importSessions(sessionsOf(project.projectId, "ana@example.com", 2550, 700))).toBe(2550);
    const again = (async function* () {
      yield [{ sessionId: "new", projectId: project.projectId, userId: "li@example.com", startedAt: NOW }];
      yield* sessionsOf(project.projectId, "ana@example.com", 1);
    })();
    await expect(store.importSessions(again)).rejects.toMatchObject({
      row: { sessionId: "ana@example.com-0" },
      index: 1,
      alreadyStored: true,
    });
    expect(await countSessions(store, project.projectId)).toBe(2550);
  });
});
