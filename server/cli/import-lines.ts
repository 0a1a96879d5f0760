// The lines of an NDJSON import: splitting a stream into lines (linesOf), and finding the line a
// row of the import came from once the row itself is gone (LineNumbers), with memory that does
// not grow with the file.
import { isUtf8 } from "node:buffer";

/**
 * The longest line an import takes, in bytes. A session's line is a few hundred bytes (its texts
 * are at most 256 characters, 12 bytes each even escaped as \uXXXX pairs); the cap bounds the
 * memory a line can take (a file that is not NDJSON, a field of 100 MB) to a small constant.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** The import stops at this line (1-based) for this reason; nothing of the input is kept. */
export class ImportLineError extends Error {
  override name = "ImportLineError";
  constructor(
    readonly line: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`line ${line}: ${reason}`, options);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const LINE_BREAK = /\r?\n|\r(?!\n)/;

/**
 * The lines of a stream, a chunk's worth at a time, split as readline splits them (\n, \r\n, or
 * a lone \r). Throws ImportLineError, after yielding every line before it, for a line that is not
 * valid UTF-8 (checked on the bytes: a decoder would silently replace them, and two different
 * ids could become one) or longer than maxLineBytes (found without reading the rest of it).
 * Hand-rolled: readline's async iterator costs a promise per line, a quarter of the parsing time
 * of a large import, and replaces invalid bytes.
 */
export async function* linesOf(input: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncIterable<string[]> {
  /** The bytes of the line begun in earlier chunks and not ended yet. */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Lines ended so far (the next line's number is this + 1). */
  let ended = 0;
  /** The last chunk ended with \r: a \n starting the next one is the rest of that line break. */
  let skipLf = false;

  const tooLong = (line: number) =>
    new ImportLineError(
      line,
      `the line is longer than ${maxLineBytes} bytes (a session is one line of a few hundred: is the input NDJSON?)`,
    );
  const text = (bytes: Buffer, line: number) => {
    if (!isUtf8(bytes)) throw new ImportLineError(line, "the line is not valid UTF-8");
    return bytes.toString("utf8");
  };

  for await (const piece of input) {
    const chunk = typeof piece === "string" ? Buffer.from(piece) : piece;
    let start = skipLf && chunk[0] === LF ? 1 : 0;
    skipLf = false;
    const lastBreak = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
    if (lastBreak < start) {
      // No line ends in this chunk.
      if (chunk.length > start) pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong(ended + 1);
      continue;
    }
    const lines: string[] = [];
    if (pendingBytes > 0) {
      // The line begun before ends at this chunk's first line break.
      const lf = chunk.indexOf(LF, start);
      const cr = chunk.indexOf(CR, start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(lf, cr);
      pendingBytes += end - start;
      if (pendingBytes > maxLineBytes) throw tooLong(ended + 1);
      lines.push(text(Buffer.concat([...pending, chunk.subarray(start, end)]), ended + 1));
      pending = [];
      pendingBytes = 0;
      start = chunk[end] === CR && chunk[end + 1] === LF ? end + 2 : end + 1;
    }
    // Every line that ends in this chunk, checked and decoded at once (the usual case: one call
    // each for a megabyte of lines).
    const whole = chunk.subarray(start, lastBreak + 1);
    let decoded: string[] = [];
    if (whole.length > 0) {
      decoded = whole.toString("utf8").split(LINE_BREAK);
      decoded.pop(); // the text ends with a line break
    }
    const firstBad = isUtf8(whole) ? -1 : firstInvalidLine(whole);
    for (let i = 0; i < decoded.length; i++) {
      const line = decoded[i]!;
      // A UTF-16 unit is at least one byte: only a long line may be too long.
      if (i === firstBad || (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes)) {
        if (lines.length + i > 0) yield [...lines, ...decoded.slice(0, i)];
        throw i === firstBad
          ? new ImportLineError(ended + lines.length + i + 1, "the line is not valid UTF-8")
          : tooLong(ended + lines.length + i + 1);
      }
    }
    ended += lines.length + decoded.length;
    if (lines.length > 0) decoded = lines.concat(decoded);
    const rest = chunk.subarray(lastBreak + 1);
    if (rest.length > maxLineBytes) {
      if (decoded.length > 0) yield decoded;
      throw tooLong(ended + 1);
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes = rest.length;
    }
    skipLf = lastBreak === chunk.length - 1 && chunk[lastBreak] === CR;
    if (decoded.length > 0) yield decoded;
  }
  if (pendingBytes > 0) yield [text(Buffer.concat(pending), ended + 1)];
}

/** The index of the first line of `bytes` (whole lines, each with its break) that is not UTF-8. */
function firstInvalidLine(bytes: Buffer): number {
  let index = 0;
  for (let at = 0; at < bytes.length; index++) {
    let end = at;
    while (end < bytes.length && bytes[end] !== LF && bytes[end] !== CR) end++;
    if (!isUtf8(bytes.subarray(at, end))) return index;
    at = bytes[end] === CR && bytes[end + 1] === LF ? end + 2 : end + 1;
  }
  return -1;
}

/**
 * Which line each row of an import came from, when some lines (blank ones) give no row: row i is
 * on line i + 1 plus the skipped lines before it. Kept as runs of skipped lines (the row they
 * come before, the skipped lines up to there), so a file of a million rows with a blank line here
 * and there, or a thousand at its end, needs a few numbers, not one a row.
 */
export class LineNumbers {
  /** Ascending: the row each run of skipped lines comes before. */
  private readonly before: number[] = [];
  /** The lines skipped up to and including each run. */
  private readonly skipped: number[] = [];

  /** A line that gives no row, seen when `rows` rows have been given. */
  skip(rows: number): void {
    const last = this.before.length - 1;
    if (last >= 0 && this.before[last] === rows) this.skipped[last]!++;
    else {
      this.before.push(rows);
      this.skipped.push((this.skipped[last] ?? 0) + 1);
    }
  }

  /** The line (1-based) of row `index` (0-based). */
  lineOf(index: number): number {
    // The last run at or before the row (binary search).
    let low = 0;
    let high = this.before.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.before[middle]! <= index) low = middle + 1;
      else high = middle;
    }
    return index + 1 + (low === 0 ? 0 : this.skipped[low - 1]!);
  }
}
