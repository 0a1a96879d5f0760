// generated/ is exactly what `npm run generate` writes from openapi.yaml: the script regenerates
// into a temporary directory and the committed files must match byte for byte.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/redocly.js";

const FILES = ["schema.ts", "openapi.json", "contract.json"] as const;

/** Where two texts first differ, as "line N: committed … / generated …". */
function firstDifference(committed: string, fresh: string): string {
  const a = committed.split("\n");
  const b = fresh.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `line ${i + 1}:\n  committed: ${JSON.stringify(a[i] ?? "<end of file>")}\n  generated: ${JSON.stringify(b[i] ?? "<end of file>")}`;
    }
  }
  return "only in bytes that are not lines (line endings or encoding)";
}

describe("generated/ matches openapi.yaml", () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "generated-drift-"));
    await promisify(execFile)(process.execPath, [join(ROOT, "scripts", "generate.mjs"), "--out", dir], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(FILES)("generated/%s is byte for byte what npm run generate writes", (file) => {
    const committed = readFileSync(join(ROOT, "generated", file));
    const fresh = readFileSync(join(dir, file));
    const same = committed.equals(fresh);
    const message = same
      ? ""
      : `generated/${file} is out of date with openapi.yaml (it is never edited by hand). ` +
        `Run \`npm run generate\` and commit the result. First difference at ` +
        firstDifference(committed.toString("utf8"), fresh.toString("utf8"));
    expect(same, message).toBe(true);
  });
});
