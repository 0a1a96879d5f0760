// The import's line splitting and line checks (server/sessions-import.ts), without a database:
// lines split as readline splits them, whatever the chunk boundaries.
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { linesOf, parseSessionLine } from "../../server/sessions-import.js";

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
  const texts = [
    "a\nb\nc\n",
    "a\nb\nc",
    "a\r\nb\r\n\r\nc",
    "a\rb\r\rc\r",
    "\n\n\na\n\n",
    "",
    "é日本🎉\nsecond ✓\n",
  ];

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

describe("parseSessionLine", () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ sessionId: "s", projectKey: "p", userId: "u", startedAt: 1, ...fields });

  it("takes 256 characters counted as code points, not UTF-16 units, and refuses 257", () => {
    expect(parseSessionLine(line({ userId: "🎉".repeat(256) })).userId).toBe("🎉".repeat(256));
    expect(() => parseSessionLine(line({ userId: "🎉".repeat(257) }))).toThrow();
    expect(() => parseSessionLine(line({ userId: "x".repeat(257) }))).toThrow();
  });

  it("refuses an unknown field by name", () => {
    expect(() => parseSessionLine(line({ extra: 1 }))).toThrow('unknown field "extra"');
  });
});
