// `jobs-api sessions import`: NDJSON, one session a line, streamed in chunks into one
// all-or-nothing transaction (store.importSessions). A bad line stops the import with its line
// number and reason, and nothing of the file is kept.
import type { Readable } from "node:stream";
import type { SessionRow, Store } from "../store/types.js";
import { DuplicateSessionError } from "../store/errors.js";
import { ImportLineError, LineNumbers, linesOf } from "./import-lines.js";
import { userIdProblem } from "./spec-rules.js";

export { ImportLineError };

/** Why one line is not a valid session (parseSessionLine); the import adds the line number. */
export class InvalidSessionLine extends Error {
  override name = "InvalidSessionLine";
}

const CHUNK = 1000;
const MAX_TEXT = 256;

interface ParsedLine {
  sessionId: string;
  projectKey: string;
  userId: string;
  startedAt: number;
}

/** Parses and checks one line; throws InvalidSessionLine (its reason) when it is not a valid session. */
export function parseSessionLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidSessionLine("not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InvalidSessionLine("expected a JSON object");
  const record = value as Record<string, unknown>;
  const sessionId = text256(record.sessionId, "sessionId");
  const projectKey = text256(record.projectKey, "projectKey");
  const userId = text256(record.userId, "userId");
  // Only a userId the API accepts: the sessions of any other could never be deleted.
  const problem = userIdProblem(userId);
  if (problem !== undefined) throw new InvalidSessionLine(`"userId" ${problem}`);
  const startedAt = record.startedAt;
  if (typeof startedAt !== "number" || !Number.isSafeInteger(startedAt) || startedAt < 0) {
    throw new InvalidSessionLine(`"startedAt" must be epoch milliseconds (a non-negative integer)`);
  }
  // The four fields are there (checked above): any other key makes more than four.
  if (Object.keys(record).length !== FIELDS.size) {
    const unknown = Object.keys(record).find((key) => !FIELDS.has(key));
    throw new InvalidSessionLine(`unknown field "${unknown}"`);
  }
  return { sessionId, projectKey, userId, startedAt };
}

const FIELDS = new Set(["sessionId", "projectKey", "userId", "startedAt"]);

function text256(field: unknown, name: string): string {
  if (typeof field !== "string" || field.length === 0) throw new InvalidSessionLine(`"${name}" must be a non-empty string`);
  // Characters are code points: count them only when the UTF-16 length could be too long.
  if (field.length > MAX_TEXT && [...field].length > MAX_TEXT)
    throw new InvalidSessionLine(`"${name}" is longer than ${MAX_TEXT} characters`);
  // Neither is text a database keeps as given: PostgreSQL refuses U+0000 (failing the whole
  // import without a line), and a lone surrogate (JSON's "\ud800") is stored as U+FFFD, so two
  // different ids could become one.
  if (field.includes("\u0000")) throw new InvalidSessionLine(`"${name}" holds U+0000, which a database cannot store`);
  if (LONE_SURROGATE.test(field))
    throw new InvalidSessionLine(`"${name}" holds a lone surrogate (such as \\ud800), which is not text a database can store`);
  return field;
}

/** With the u flag, a surrogate pair is one code point: only a lone surrogate is one of \p{Cs}. */
const LONE_SURROGATE = /\p{Cs}/u;

export interface ImportProgress {
  (lines: number): void;
}

/** Streams `input` into the store; resolves with the number of sessions imported. */
export async function importSessionsFrom(store: Store, input: Readable, onProgress?: ImportProgress): Promise<number> {
  const projectIds = new Map<string, number>();
  // Which line a row came from, for a duplicate the store finds (it answers the row's index).
  const lineNumbers = new LineNumbers();
  async function* chunks(): AsyncIterable<SessionRow[]> {
    let lineNumber = 0;
    let rows = 0;
    let chunk: SessionRow[] = [];
    for await (const lines of linesOf(input)) {
      for (const line of lines) {
        lineNumber++;
        if (line.trim() === "") {
          lineNumbers.skip(rows);
          continue;
        }
        let parsed: ParsedLine;
        try {
          parsed = parseSessionLine(line);
        } catch (error) {
          if (!(error instanceof InvalidSessionLine)) throw error;
          throw new ImportLineError(lineNumber, error.message, { cause: error });
        }
        let projectId = projectIds.get(parsed.projectKey);
        if (projectId === undefined) {
          const project = await store.findProjectByKey(parsed.projectKey);
          if (project === undefined) throw new ImportLineError(lineNumber, `unknown projectKey "${parsed.projectKey}"`);
          projectId = project.projectId;
          projectIds.set(parsed.projectKey, projectId);
        }
        chunk.push({ sessionId: parsed.sessionId, projectId, userId: parsed.userId, startedAt: parsed.startedAt });
        rows++;
        if (chunk.length === CHUNK) {
          yield chunk;
          chunk = [];
          onProgress?.(lineNumber);
        }
      }
    }
    if (chunk.length > 0) yield chunk;
    onProgress?.(lineNumber);
  }
  try {
    return await store.importSessions(chunks());
  } catch (error) {
    if (!(error instanceof DuplicateSessionError)) throw error;
    const projectKey = [...projectIds].find(([, id]) => id === error.row.projectId)?.[0];
    if (projectKey === undefined) throw error;
    const id = JSON.stringify(error.row.sessionId);
    throw new ImportLineError(
      lineNumbers.lineOf(error.index),
      error.alreadyStored
        ? `session id ${id} is already in project ${projectKey}`
        : `session id ${id} appears earlier in this input for project ${projectKey}`,
      { cause: error },
    );
  }
}
