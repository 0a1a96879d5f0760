// `jobs-api sessions import`: NDJSON, one session a line, streamed in chunks into one
// all-or-nothing transaction (store.importSessions). A bad line stops the import with its line
// number and reason, and nothing of the file is kept.
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { SessionRow, Store } from "./store/types.js";

export class ImportLineError extends Error {
  override name = "ImportLineError";
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const CHUNK = 1000;
const MAX_TEXT = 256;

interface ParsedLine {
  sessionId: string;
  projectKey: string;
  userId: string;
  startedAt: number;
}

/** Parses and checks one line; throws a reason (string) when it is not a valid session. */
export function parseSessionLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw "not valid JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw "expected a JSON object";
  const record = value as Record<string, unknown>;
  const sessionId = text256(record.sessionId, "sessionId");
  const projectKey = text256(record.projectKey, "projectKey");
  const userId = text256(record.userId, "userId");
  const startedAt = record.startedAt;
  if (typeof startedAt !== "number" || !Number.isSafeInteger(startedAt) || startedAt < 0) {
    throw `"startedAt" must be epoch milliseconds (a non-negative integer)`;
  }
  // The four fields are there (checked above): any other key makes more than four.
  if (Object.keys(record).length !== 4) {
    const unknown = Object.keys(record).find((key) => !FIELDS.has(key));
    throw `unknown field "${unknown}"`;
  }
  return { sessionId, projectKey, userId, startedAt };
}

const FIELDS = new Set(["sessionId", "projectKey", "userId", "startedAt"]);

function text256(field: unknown, name: string): string {
  if (typeof field !== "string" || field.length === 0) throw `"${name}" must be a non-empty string`;
  // Characters are code points: count them only when the UTF-16 length could be too long.
  if (field.length > MAX_TEXT && [...field].length > MAX_TEXT) throw `"${name}" is longer than ${MAX_TEXT} characters`;
  return field;
}

export interface ImportProgress {
  (lines: number): void;
}

/**
 * The lines of a stream, a chunk's worth at a time, split as readline splits them (\n, \r\n, or
 * a lone \r). Hand-rolled: readline's async iterator costs a promise per line, a quarter of the
 * parsing time of a large import.
 */
export async function* linesOf(input: AsyncIterable<Buffer | string>): AsyncIterable<string[]> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of input) {
    const text = rest + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    // A \r at the very end may be the first half of a \r\n: keep it for the next chunk.
    const end = text.endsWith("\r") ? text.length - 1 : text.length;
    const lines = text.slice(0, end).split(LINE_BREAK);
    rest = lines.pop()! + text.slice(end);
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest === "") return;
  const last = rest.split(LINE_BREAK);
  if (last.at(-1) === "") last.pop(); // a final line break ends the last line, as readline sees it
  yield last;
}

const LINE_BREAK = /\r?\n|\r(?!\n)/;

/** Streams `input` into the store; resolves with the number of sessions imported. */
export async function importSessionsFrom(
  store: Store,
  input: Readable,
  onProgress?: ImportProgress,
): Promise<number> {
  const projectIds = new Map<string, number>();
  async function* chunks(): AsyncIterable<SessionRow[]> {
    let lineNumber = 0;
    let chunk: SessionRow[] = [];
    for await (const lines of linesOf(input)) {
      for (const line of lines) {
        lineNumber++;
        if (line.trim() === "") continue;
        let parsed: ParsedLine;
        try {
          parsed = parseSessionLine(line);
        } catch (reason) {
          throw new ImportLineError(lineNumber, String(reason));
        }
        let projectId = projectIds.get(parsed.projectKey);
        if (projectId === undefined) {
          const project = await store.findProjectByKey(parsed.projectKey);
          if (project === undefined) throw new ImportLineError(lineNumber, `unknown projectKey "${parsed.projectKey}"`);
          projectId = project.projectId;
          projectIds.set(parsed.projectKey, projectId);
        }
        chunk.push({ sessionId: parsed.sessionId, projectId, userId: parsed.userId, startedAt: parsed.startedAt });
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
  return store.importSessions(chunks());
}
