#!/usr/bin/env node
// Bundles the conformance kit (client/conformance/index.ts, the library, and cli.ts, the
// `openreplay-jobs-api conformance` command) with esbuild into self-contained ES modules: ajv and
// ajv-formats (the spec validation) are inlined, so the package needs no runtime dependency for
// them; the two entries share one chunk. Any other .js in the folder (tsc's per-module output,
// which imports ajv) is removed first; tsc's .d.ts files stay for the library's types.
// Usage: node scripts/bundle-conformance.mjs [OUTDIR]   (default dist/client/conformance)
// Prints the bundle's size in bytes (the files and their total).
import { chmodSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { ROOT } from "./lib/tools.mjs";

const outdir = resolve(process.argv[2] ?? join(ROOT, "dist", "client", "conformance"));
mkdirSync(outdir, { recursive: true });
for (const name of readdirSync(outdir)) {
  if (name.endsWith(".js") || name.endsWith(".js.map")) rmSync(join(outdir, name));
}
await build({
  absWorkingDir: ROOT,
  entryPoints: ["client/conformance/index.ts", "client/conformance/cli.ts"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  chunkNames: "shared-[hash]",
  legalComments: "eof",
  logLevel: "warning",
});
chmodSync(join(outdir, "cli.js"), 0o755);
const files = readdirSync(outdir).filter((name) => name.endsWith(".js"));
const sizes = files.map((name) => [name, statSync(join(outdir, name)).size]);
const total = sizes.reduce((sum, [, size]) => sum + size, 0);
console.log(`conformance bundle: ${sizes.map(([name, size]) => `${name} ${size} B`).join(", ")}; total ${total} B`);
