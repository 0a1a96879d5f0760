// The import's line splitting (linesOf: as readline splits, whatever the chunk boundaries) and
// its map from rows back to lines (LineNumbers: blank lines give no row), without a database.
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ImportLineError, LineNumbers, MAX_LINE_BYTES, linesOf } from "../../server/cli/import-lines.js";

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

/** The lines linesOf yields before it throws, and what it throws. */
async function collectUntilError(chunks: AsyncIterable<Buffer> | Buffer[], maxLineBytes?: number) {
  const lines: string[] = [];
  try {
    for await (const batch of linesOf(Array.isArray(chunks) ? Readable.from(chunks) : chunks, maxLineBytes)) lines.push(...batch);
  } catch (error) {
    return { lines, error: error as ImportLineError };
  }
  return { lines, error: undefined };
}

describe("linesOf refuses what is not a line of text", () => {
  it("a line that is not UTF-8, by its number, after every line before it, wherever the chunks are cut", async () => {
    const bytes = Buffer.concat([Buffer.from("one\r\ntwo é\n"), Buffer.from([0x74, 0xff, 0x0a]), Buffer.from("four\n")]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { lines, error } = await collectUntilError([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(error, `cut at ${cut}`).toBeInstanceOf(ImportLineError);
      expect(error!.line, `cut at ${cut}`).toBe(3);
      expect(error!.reason).toBe("the line is not valid UTF-8");
      expect(lines, `cut at ${cut}`).toEqual(["one", "two é"]);
    }
  });

  it("a line longer than the cap, by its number, wherever the chunks are cut; a line at the cap passes", async () => {
    const text = Buffer.from("short\n0123456789\n0123456789x\nlast\n");
    for (let cut = 0; cut <= text.length; cut++) {
      const { lines, error } = await collectUntilError([text.subarray(0, cut), text.subarray(cut)], 10);
      expect(error?.line, `cut at ${cut}`).toBe(3);
      expect(error?.reason).toMatch(/^the line is longer than 10 bytes/);
      expect(lines, `cut at ${cut}`).toEqual(["short", "0123456789"]);
    }
    // Counted in bytes: five 2-byte characters are 10 bytes, six are 12.
    expect((await collectUntilError([Buffer.from("ééééé\néééééé\n")], 10)).error?.line).toBe(2);
    expect((await collectUntilError([Buffer.from("a\nééééé")], 10)).lines).toEqual(["a", "ééééé"]);
    expect((await collectUntilError([Buffer.from("a\néééééé")], 10)).error?.line).toBe(2);
  });

  it("a 200 MB line without a line break: refused at line 1 after reading little more than the cap", async () => {
    let pulled = 0;
    async function* endless(): AsyncIterable<Buffer> {
      const megabyte = Buffer.alloc(1 << 20, 0x61);
      for (; pulled < 200; pulled++) yield megabyte;
    }
    const { lines, error } = await collectUntilError(endless());
    expect(lines).toEqual([]);
    expect(error?.line).toBe(1);
    expect(error?.reason).toContain(`longer than ${MAX_LINE_BYTES} bytes`);
    expect(pulled).toBeLessThanOrEqual(1);
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
