// The lines of an NDJSON import: splitting a stream into lines (linesOf), and finding the line a
// row of the import came from once the row itself is gone (LineNumbers), with memory that does
// not grow with the file.
import { StringDecoder } from "node:string_decoder";

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
