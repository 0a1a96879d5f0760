import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Project, SessionRow, Store } from "../../server/store/types.js";
import { databases, openMigratedStore, seedTenant } from "../support/databases.js";
import { NOW, sessionsOf } from "../support/jobs.js";
import { countSessions } from "../../server/store/fixtures.js";
import { DuplicateSessionError, StoreError } from "../../server/store/errors.js";

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
    expect((error as DuplicateSessionError).row).toBe(second);
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
    expect((error as DuplicateSessionError).row).toBe(second);
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
      row: { sessionId: "s1" },
      message: `Nothing was imported: session id "s1" is already in project ${project.projectId}.`,
    });
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
