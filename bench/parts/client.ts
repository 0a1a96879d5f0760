// client: the browser bundle of the typed client (client/index.ts), as esbuild makes it for a
// web app: minified ESM for browsers, then gzipped (level 9). Sizes are exact, so one build is
// enough; the ratio to openapi-fetch alone shows what the client adds to its one dependency.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ROOT } from "../lib/proc.js";
import { fmt, type Part, type Row } from "../lib/report.js";

export const TARGET_GZIP_BYTES = 8 * 1024;

async function bundle(entry: { path: string } | { contents: string }): Promise<{ minified: number; gzipped: number }> {
  const result = await build({
    absWorkingDir: ROOT,
    ...("path" in entry ? { entryPoints: [entry.path] } : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: "ts" } }),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

export const client: Part = async () => {
  const entry = join(ROOT, "client", "index.ts");
  if (!existsSync(entry)) {
    return {
      part: "client",
      title: "browser bundle of the client",
      rows: [{ metric: "client/index.ts", value: "missing: not measured" }],
      notes: [],
      data: {},
    };
  }
  const ours = await bundle({ path: "client/index.ts" });
  // openapi-fetch alone, used the way the client uses it (its default export and mergeHeaders).
  const alone = await bundle({ contents: 'import c, { mergeHeaders } from "openapi-fetch"; export { c, mergeHeaders };' });
  const rows: Row[] = [
    { metric: "client/index.ts, minified", value: `${fmt(ours.minified)} bytes` },
    {
      metric: "client/index.ts, minified and gzipped",
      value: `${fmt(ours.gzipped)} bytes (${(ours.gzipped / 1024).toFixed(1)} kB)`,
      target: `≤ ${fmt(TARGET_GZIP_BYTES)} bytes (8 kB)`,
      met: ours.gzipped <= TARGET_GZIP_BYTES,
    },
    { metric: "openapi-fetch alone, minified and gzipped", value: `${fmt(alone.gzipped)} bytes` },
    { metric: "client / openapi-fetch alone (gzipped)", value: `${(ours.gzipped / alone.gzipped).toFixed(2)}×` },
  ];
  return {
    part: "client",
    title: "browser bundle of the client (esbuild)",
    rows,
    notes: ["esbuild, bundle, platform browser, ESM, target es2022, minified; gzip level 9. Sizes are exact: one build."],
    data: { client: ours, openapiFetch: alone },
  };
};
