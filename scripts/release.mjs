#!/usr/bin/env node
// npm run release: the tarballs of both packages, each built fresh by its prepack, into one folder
// (default out/release/): what a release attaches, and how a user installs the packages before
// they are on the npm registry (`npm install ./openreplay-jobs-api-X.Y.Z.tgz`). Publishes nothing.
// Older tarballs of the two packages in the folder are removed first, so it holds exactly one
// version. Prints each tarball and its install line.
// Usage: node scripts/release.mjs [--out DIR]
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, run } from "./lib/tools.mjs";

const { values: args } = parseArgs({ options: { out: { type: "string" } } });
const out = resolve(args.out ?? join(ROOT, "out", "release"));
const readManifest = (dir) => JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8"));
// The published packages: the root and every workspace not marked private (patches/ is a private
// workspace that only patches the checkout's node_modules: npm pack would still make it a tarball).
const workspaces = readManifest(".").workspaces.filter((dir) => readManifest(dir).private !== true);
const names = [".", ...workspaces].map((dir) => readManifest(dir).name);
const isOurs = (file) => names.some((name) => new RegExp(`^${name}-\\d[^/]*\\.tgz$`).test(file));

mkdirSync(out, { recursive: true });
for (const file of readdirSync(out).filter(isOurs)) rmSync(join(out, file));
// One npm command for both (the workspace root and server/); npm needs the folder to exist.
const workspaceArgs = workspaces.flatMap((dir) => ["--workspace", dir]);
run("npm", ["pack", ...workspaceArgs, "--include-workspace-root", "--pack-destination", out], { quiet: true });

const tarballs = readdirSync(out).filter(isOurs).sort();
if (tarballs.length !== names.length) {
  console.error(`release: expected the ${names.length} tarballs of ${names.join(", ")} in ${out}, found ${tarballs.join(", ") || "none"}`);
  process.exit(1);
}
const shown = relative(process.cwd(), out) || ".";
console.log(`The two packages, in ${shown}/ (nothing was published):`);
const width = Math.max(...tarballs.map((file) => file.length));
for (const file of tarballs) console.log(`  ${file.padEnd(width)}  npm install ${join(out, file)}`);
