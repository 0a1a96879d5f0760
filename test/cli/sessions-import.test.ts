// parseSessionLine, the check of one line of `jobs-api sessions import`: a bad line is an Error
// (InvalidSessionLine) whose message is the reason the import reports with the line number. And
// importSessionsFrom on both databases, in this process: the line a duplicate is reported at.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ImportLineError, InvalidSessionLine, importSessionsFrom, parseSessionLine } from "../../server/cli/sessions-import.js";
import type { Project, Store } from "../../server/store/types.js";
import { countSessions } from "../../server/store/fixtures.js";
import { contextOf } from "../../server/store/store.js";
import { databases, eachTenantStore } from "../support/databases.js";

describe("parseSessionLine", () => {
  it("answers the session of a valid line", () => {
    expect(parseSessionLine('{"sessionId":"s","projectKey":"k","userId":"u","startedAt":1}')).toEqual({
      sessionId: "s",
      projectKey: "k",
      userId: "u",
      startedAt: 1,
    });
  });

  it.each([
    ["not json", "not valid JSON"],
    ["[1]", "expected a JSON object"],
    ['{"sessionId":"s","projectKey":"k","startedAt":1}', '"userId" must be a non-empty string'],
    ['{"sessionId":"s","projectKey":"k","userId":"u","startedAt":-1}', '"startedAt" must be epoch milliseconds'],
    ['{"sessionId":"s","projectKey":"k","userId":"u","startedAt":1,"x":1}', 'unknown field "x"'],
  ])("throws an InvalidSessionLine Error for %s", (line, reason) => {
    let thrown: unknown;
    try {
      parseSessionLine(line);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSessionLine);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain(reason);
  });

  const line = (fields: Record<string, unknown>) =>
    JSON.stringify({ sessionId: "s", projectKey: "p", userId: "u", startedAt: 1, ...fields });

  it("takes 256 characters counted as code points, not UTF-16 units, and refuses 257", () => {
    expect(parseSessionLine(line({ userId: "🎉".repeat(256) })).userId).toBe("🎉".repeat(256));
    expect(() => parseSessionLine(line({ userId: "🎉".repeat(257) }))).toThrow('"userId" is longer than 256 characters');
    expect(() => parseSessionLine(line({ userId: "x".repeat(257) }))).toThrow('"userId" is longer than 256 characters');
  });

  it("refuses an unknown field by name, __proto__ too", () => {
    expect(() => parseSessionLine(line({ extra: 1 }))).toThrow('unknown field "extra"');
    expect(() => parseSessionLine('{"sessionId":"s","projectKey":"p","userId":"u","startedAt":1,"__proto__":1}')).toThrow(
      'unknown field "__proto__"',
    );
  });
});

describe.each(databases)("importSessionsFrom on $name", (database) => {
  let store: Store;
  let project: Project;
  eachTenantStore(database, (opened) => ({ store, project } = opened));

  const line = (sessionId: string, userId = "u@example.com") =>
    JSON.stringify({ sessionId, projectKey: project.projectKey, userId, startedAt: 1 });

  /** `count` lines s1, s2, ... (line n holds s<n>), some replaced, with blank lines inserted after given lines. */
  function file(count: number, replaced: Record<number, string>, blankAfter: Record<number, string[]> = {}, eol = "\n"): string {
    const out: string[] = [];
    for (let n = 1; n <= count; n++) {
      out.push(replaced[n] ?? line(`s${n}`));
      out.push(...(blankAfter[n] ?? []));
    }
    return out.join(eol) + eol;
  }

  async function failure(text: string | Buffer[]): Promise<ImportLineError> {
    const error = await importSessionsFrom(store, Readable.from(typeof text === "string" ? [Buffer.from(text)] : text)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportLineError);
    return error as ImportLineError;
  }

  // Blank lines (empty, spaces, a tab) before the duplicate: 3 after line 10, 1 after line 999,
  // 2 after line 1500; the duplicate is then on line 2,500 of the file.
  const blanks = { 10: ["", " ", "\t"], 999: [""], 1500: ["", ""] };

  it("names line 2,500 for a session id that appears earlier in the input, after blank lines and across chunks", async () => {
    const error = await failure(file(2494, { 2494: line("s17", "other@example.com") }, blanks));
    expect(error.message).toBe(`line 2500: session id "s17" appears earlier in this input for project ${project.projectKey}`);
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("names line 2,500 for a session id already stored, after blank lines, with CRLF line ends and the file cut anywhere", async () => {
    await importSessionsFrom(store, Readable.from([line("kept") + "\n"]));
    const bytes = Buffer.from(file(3000, { 2494: line("kept") }, blanks, "\r\n"));
    // Cut into odd-sized pieces: some cut a CRLF in two.
    const pieces = Array.from({ length: Math.ceil(bytes.length / 4097) }, (_, i) => bytes.subarray(i * 4097, (i + 1) * 4097));
    const error = await failure(pieces);
    expect(error.message).toBe(`line 2500: session id "kept" is already in project ${project.projectKey}`);
    expect(await countSessions(store, project.projectId)).toBe(1);
  });

  it("names the line when the duplicate is among the last rows, after blank lines at the very end of a chunk", async () => {
    const blanksAtChunkEnd = { 1000: ["", "", ""], 2000: [""] };
    const error = await failure(file(2003, { 2003: line("s1000") }, blanksAtChunkEnd));
    expect(error.message).toBe(`line 2007: session id "s1000" appears earlier in this input for project ${project.projectKey}`);
  });

  // Each on line 2, after a valid line: a userId the API refuses (its spec rule), or bytes that are
  // no text. Refused with the line, whatever the database (PostgreSQL failed on U+0000 without a
  // line; SQLite stored the rest, invalid UTF-8 replaced, so two ids could become one).
  const refused: Array<[string, Buffer, RegExp]> = [
    [
      "U+0007 (BEL)",
      Buffer.from('"a\\u0007b"'),
      /"userId" is one the API refuses \(path parameter userId must match pattern ".*"\), so its sessions could never be deleted/,
    ],
    ["U+0000", Buffer.from('"a\\u0000b"'), /"userId" holds U\+0000/],
    ["U+007F (DEL)", Buffer.from('"a\\u007fb"'), /"userId" is one the API refuses/],
    ["U+0085 (NEL, C1), escaped", Buffer.from('"a\\u0085b"'), /"userId" is one the API refuses/],
    [
      "U+0085 (NEL, C1), as UTF-8",
      Buffer.concat([Buffer.from('"a'), Buffer.from([0xc2, 0x85]), Buffer.from('b"')]),
      /"userId" is one the API refuses/,
    ],
    ["a lone surrogate, escaped", Buffer.from('"a\\ud800b"'), /"userId" holds a lone surrogate/],
    [
      "a lone surrogate as bytes (CESU-8)",
      Buffer.concat([Buffer.from('"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b"')]),
      /not valid UTF-8/,
    ],
    ["an invalid byte", Buffer.concat([Buffer.from('"a'), Buffer.from([0xff]), Buffer.from('b"')]), /not valid UTF-8/],
    ["an overlong NUL", Buffer.concat([Buffer.from('"a'), Buffer.from([0xc0, 0x80]), Buffer.from('b"')]), /not valid UTF-8/],
    ["a cut sequence", Buffer.concat([Buffer.from('"a'), Buffer.from([0xe6, 0x97]), Buffer.from('b"')]), /not valid UTF-8/],
  ];
  it.each(refused)("refuses a userId with %s, naming line 2; nothing is imported", async (_name, userIdJson, reason) => {
    const second = Buffer.concat([
      Buffer.from(`{"sessionId":"s2","projectKey":"${project.projectKey}","userId":`),
      userIdJson,
      Buffer.from(',"startedAt":1}\n'),
    ]);
    const text = Buffer.concat([Buffer.from(line("s1") + "\n"), second, Buffer.from(line("s3") + "\n")]);
    const error = await failure([text]);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(reason);
    // Cut at every byte of the bad line: the same answer.
    for (let cut = text.indexOf(userIdJson); cut <= text.indexOf(userIdJson) + userIdJson.length; cut++) {
      expect((await failure([text.subarray(0, cut), text.subarray(cut)])).line, `cut at ${cut}`).toBe(2);
    }
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("refuses U+0000 and lone surrogates in a session id too, with the line", async () => {
    for (const sessionId of ["a\u0000b", "a\ud800b"]) {
      const error = await failure(`${line("s1")}\n${line(sessionId)}\n`);
      expect(error.message).toMatch(/^line 2: "sessionId" holds/);
    }
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("takes every userId the API takes: 256 characters of any Unicode without control characters", async () => {
    const ids = ["ana@example.com", "🎉".repeat(256), "日本語 ‮rtl", "..", "a/b", "\u00a0nbsp", "\ufeffbom-in-the-middle"];
    const text = ids.map((userId, i) => line(`s${i}`, userId)).join("\n") + "\n";
    expect(await importSessionsFrom(store, Readable.from([text]))).toBe(ids.length);
    const stored = await contextOf(store).db.selectFrom("sessions").select("user_id").orderBy("id").execute();
    expect(stored.map((row) => row.user_id)).toEqual(ids);
  });

  it("an empty input, or one of blank lines only, imports nothing and answers 0", async () => {
    expect(await importSessionsFrom(store, Readable.from([]))).toBe(0);
    expect(await importSessionsFrom(store, Readable.from(["\n \r\n\t\n"]))).toBe(0);
    expect(await countSessions(store, project.projectId)).toBe(0);
  });

  it("stores session and user ids with tabs, backslashes, line breaks and quotes exactly as the JSON says", async () => {
    const odd = ["tab\there", "back\\slash", "\\N", "new\nline", "cr\rhere", 'quo"te', "\\t", "日本 🎉"];
    // A userId holds no control character (the API's rule); a session id may.
    // eslint-disable-next-line no-control-regex
    const userIdOf = (value: string, i: number) => (/[\u0000-\u001f]/.test(value) ? `user ${i}` : value);
    const text = odd.map((value, i) => line(`${value}#${i}`, userIdOf(value, i))).join("\n") + "\n";
    expect(await importSessionsFrom(store, Readable.from([text]))).toBe(odd.length);
    const stored = await contextOf(store).db.selectFrom("sessions").select(["session_id", "user_id"]).orderBy("id").execute();
    expect(stored).toEqual(odd.map((value, i) => ({ session_id: `${value}#${i}`, user_id: userIdOf(value, i) })));
    // And the same id again is named exactly.
    const again = await failure(`\n${line(`${odd[3]}#3`)}\n`);
    expect(again.message).toBe(`line 2: session id ${JSON.stringify(`${odd[3]}#3`)} is already in project ${project.projectKey}`);
  });
});
