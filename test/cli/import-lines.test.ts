// The import's line splitting (linesOf: as readline splits, whatever the chunk boundaries) and
// its map from rows back to lines (LineNumbers: blank lines give no row), without a database.
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineNumbers, linesOf } from "../../server/cli/import-lines.js";

async function collect(chunks: Array<Buffer | string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of linesOf(Readable.from(chunks))) lines.push(...batch);
  return lines;
}

async function readlineLines(text: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: Readable.from([Buffer.from(text)]), crlfDelay: Infinity })) lines.push(line);
  return lines;
}

describe("linesOf", () => {
  const texts = ["a\nb\nc\n", "a\nb\nc", "a\r\nb\r\n\r\nc", "a\rb\r\rc\r", "\n\n\na\n\n", "", "é日本🎉\nsecond ✓\n"];

  it.each(texts.map((text) => [JSON.stringify(text), text]))("splits %s as readline does, cut at every byte", async (_name, text) => {
    const expected = await readlineLines(text);
    const bytes = Buffer.from(text);
    expect(await collect([bytes])).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    // One byte at a time: \r\n and multi-byte characters split across chunks.
    expect(await collect([...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });
});

describe("LineNumbers", () => {
  /** The line of every row of `lines` (blank = no row), the plain way: one entry a row. */
  function expectedLines(lines: string[]): number[] {
    return lines.flatMap((line, i) => (line.trim() === "" ? [] : [i + 1]));
  }

  function numbered(lines: string[]): { numbers: LineNumbers; rows: number } {
    const numbers = new LineNumbers();
    let rows = 0;
    for (const line of lines) {
      if (line.trim() === "") numbers.skip(rows);
      else rows++;
    }
    return { numbers, rows };
  }

  it.each([
    ["no blank line", ["a", "b", "c"]],
    ["blank lines first", ["", " ", "a", "b"]],
    ["blank lines between and after", ["a", "", "b", "", "", "c", "\t", "d", "", ""]],
    ["a blank line after every row", ["a", "", "b", "", "c", ""]],
  ])("answers each row's line with %s", (_name, lines) => {
    const { numbers, rows } = numbered(lines);
    expect(Array.from({ length: rows }, (_, i) => numbers.lineOf(i))).toEqual(expectedLines(lines));
  });

  it("answers the line of row 2,500 of a large file with blank lines scattered, from a few runs", () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => (i % 997 === 3 || (i > 5000 && i < 5100) ? "" : `row ${i}`));
    const { numbers, rows } = numbered(lines);
    const expected = expectedLines(lines);
    for (let i = 0; i < rows; i++) expect(numbers.lineOf(i)).toBe(expected[i]);
    expect(lines[numbers.lineOf(2499) - 1]).toBe(`row ${expected[2499]! - 1}`);
  });
});
