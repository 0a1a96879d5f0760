#!/usr/bin/env node
// npm run check:pack: builds dist/, lists what `npm pack` would put in the tarball
// (`npm pack --dry-run --json`) and checks it: the spec, the bundled JSON, the generated types,
// the built client and server, the CLI and every `exports` target are in it; tests, fixtures,
// benchmarks, CI files, release snapshots and scripts are not.
// Usage: node scripts/check-pack.mjs [--no-build]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, run, runMain } from "./lib/tools.mjs";

const REQUIRED = [
  ["openapi.yaml", "the spec"],
  ["generated/openapi.json", "the bundled spec"],
  ["generated/schema.d.ts", "the generated types"],
  ["dist/client/index.js", "the built client"],
  ["dist/client/index.d.ts", "the built client's types"],
  ["dist/server/index.js", "the built server factory"],
  ["dist/server/index.d.ts", "the built server's types"],
  ["dist/generated/schema.d.ts", "the types the built .d.ts files import"],
  ["dist/openapi.yaml", "the spec the built server validates against"],
  ["CHANGELOG.md", "the changelog"],
  ["package.json", "the manifest"],
];
/** Path segments and names that must never be published. */
const FORBIDDEN = [
  [/^(test|tests)\//, "tests"],
  [/(^|\/)(fixtures?|__fixtures__)\//, "fixtures"],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, "test files"],
  [/^bench\//, "benchmarks"],
  [/^\.ci\//, "CI files"],
  [/^releases\//, "release snapshots"],
  [/^scripts\//, "scripts"],
  [/^(out|\.cache|\.venv|node_modules|data|coverage)\//, "local build and tool output"],
  [/\.(db|sqlite|tgz)$/, "databases and tarballs"],
];

function exportTargets(exportsField) {
  const targets = new Set();
  const walk = (value) => {
    if (typeof value === "string") targets.add(value.replace(/^\.\//, ""));
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(exportsField);
  return [...targets];
}

function main() {
  const { values: args } = parseArgs({ options: { "no-build": { type: "boolean" } } });
  if (!args["no-build"]) run("npm", ["run", "--silent", "build"]);
  // --ignore-scripts: the prepack build already ran above, and its output would corrupt the JSON.
  const json = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { quiet: true });
  const [pack] = JSON.parse(json);
  const files = new Set(pack.files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const problems = [];

  const required = [...REQUIRED];
  for (const bin of Object.values(typeof pkg.bin === "string" ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {}))) {
    required.push([bin.replace(/^\.\//, ""), "the CLI (bin)"]);
  }
  for (const target of exportTargets(pkg.exports)) required.push([target, "an exports target"]);
  for (const optional of ["README.md", "SECURITY.md", "LICENSE"]) {
    if (existsSync(join(ROOT, optional))) required.push([optional, "a document of the package"]);
  }
  for (const [path, what] of required) {
    if (!files.has(path)) problems.push(`missing ${path} (${what})`);
  }
  for (const path of files) {
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(path)) problems.push(`must not ship ${path} (${what})`);
    }
  }

  console.log(`${pack.filename}: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(1)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(1)} KiB unpacked`);
  if (problems.length > 0) {
    console.error(`check:pack: FAILED\n  ${problems.join("\n  ")}`);
    return 1;
  }
  console.log(`check:pack: OK (${required.length} required files present, nothing forbidden)`);
  return 0;
}

await runMain("check:pack", main);
