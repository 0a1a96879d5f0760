#!/usr/bin/env node
// The breaking-change gate: compares the current bundled spec with the last released one using
// oasdiff (pinned, built once into .cache/), prints the changelog of the difference, and fails
// when it holds a breaking change while info.version's major was not raised.
//
//   node scripts/check-breaking.mjs                  generated/openapi.json against releases/
//   node scripts/check-breaking.mjs --base A.json --revision B.json
//   --releases DIR   where the release snapshots are (default releases/)
//
// Which release is the base (each releases/<version>/openapi.json is the spec as released):
//   - info.version has no snapshot yet (a release in the making): the newest snapshot;
//   - info.version has a snapshot equal to the current spec (it was just released): the snapshot
//     before it, so the release itself is checked (for the first release: the snapshot itself);
//   - info.version has a snapshot but the spec changed since: that snapshot (unreleased changes).
//
// A change is breaking when oasdiff rates it ERR or WARN. scripts/oasdiff-levels.txt raises
// response-optional-property-removed to ERR: a client may read any field an answer documents.
// Exit 0: no breaking change, or the major version went up (below 1.0.0, the minor); 1 otherwise.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compareSemver, ensureOasdiff, parseSemver, ROOT, runMain, specVersion } from "./lib/tools.mjs";

const LEVELS = join(ROOT, "scripts", "oasdiff-levels.txt");
const LEVEL_NAMES = { 1: "info", 2: "warning", 3: "error" };

const shown = (p) => (isAbsolute(p) && !relative(ROOT, p).startsWith("..") ? relative(ROOT, p) : p);
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

/** releases/<version>/openapi.json, oldest first. */
function snapshots(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d+\.\d+\.\d+(?:[-+].*)?$/.test(name) && existsSync(join(dir, name, "openapi.json")))
    .sort(compareSemver)
    .map((version) => ({ version, file: join(dir, version, "openapi.json") }));
}

/** Picks the release snapshot to compare `revision` with, and says why. */
function chooseBase(releasesDir, revision) {
  const all = snapshots(releasesDir);
  if (all.length === 0) throw new Error(`no release snapshot (<version>/openapi.json) in ${shown(releasesDir)}`);
  const version = specVersion(revision);
  const newest = all[all.length - 1];
  if (compareSemver(version, newest.version) < 0) {
    throw new Error(`info.version ${version} is lower than the last release ${newest.version}`);
  }
  const same = all.find((s) => s.version === version);
  if (!same) return { base: newest, note: `release in the making: ${version} against the last release ${newest.version}` };
  if (isDeepStrictEqual(readJson(same.file), readJson(revision))) {
    const before = all.filter((s) => compareSemver(s.version, version) < 0).pop();
    if (!before) return { base: same, note: `${version} is the first release: the spec against its own snapshot` };
    return { base: before, note: `release ${version} (equal to its snapshot) against the release before it, ${before.version}` };
  }
  return {
    base: same,
    note: `unreleased changes on top of ${version} (bump info.version and package.json before releasing)`,
  };
}

function oasdiff(bin, args) {
  const res = spawnSync(bin, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.error) throw new Error(`oasdiff could not be started: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`oasdiff ${args[0]} exited with ${res.status}:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

/** True when `to` raises the major version of `from` (below 1.0.0, the minor version). */
function majorRaised(from, to) {
  const a = parseSemver(from);
  const b = parseSemver(to);
  if (b.major !== a.major) return b.major > a.major;
  return a.major === 0 && b.minor > a.minor;
}

function main() {
  const { values: args } = parseArgs({ options: { base: { type: "string" }, revision: { type: "string" }, releases: { type: "string" } } });
  const revision = resolve(ROOT, args.revision ?? join("generated", "openapi.json"));
  if (!existsSync(revision)) throw new Error(`${shown(revision)} does not exist`);
  let base;
  if (args.base) {
    base = resolve(ROOT, args.base);
    if (!existsSync(base)) throw new Error(`${shown(base)} does not exist`);
  } else {
    const choice = chooseBase(resolve(ROOT, args.releases ?? "releases"), revision);
    console.log(`check:breaking: ${choice.note}`);
    base = choice.base.file;
  }
  const from = specVersion(base);
  const to = specVersion(revision);
  console.log(`check:breaking: ${shown(base)} (${from}) -> ${shown(revision)} (${to})\n`);

  const bin = ensureOasdiff();
  const common = [base, revision, "--severity-levels", LEVELS, "--allow-external-refs=false"];
  // The changelog, always printed: every change, breaking or not.
  process.stdout.write(oasdiff(bin, ["changelog", ...common, "--format", "text", "--color", "never"]));
  const changes = JSON.parse(oasdiff(bin, ["changelog", ...common, "--format", "json"]).trim() || "[]");
  const breaking = changes.filter((c) => c.level >= 2);

  if (breaking.length === 0) {
    console.log(`\ncheck:breaking: OK, no breaking change (${changes.length} change(s) in all)`);
    return 0;
  }
  const ids = [...new Set(breaking.map((c) => `${c.id} (${LEVEL_NAMES[c.level] ?? c.level})`))];
  if (majorRaised(from, to)) {
    console.log(
      `\ncheck:breaking: OK, ${breaking.length} breaking change(s) allowed by the major version bump ${from} -> ${to}: ${ids.join(", ")}`,
    );
    return 0;
  }
  console.error(
    `\ncheck:breaking: FAILED, ${breaking.length} breaking change(s) but the major version was not raised (${from} -> ${to}): ${ids.join(", ")}\n` +
      "Make the change additive (new optional parameters and fields, new operations), or release it as a new major version.",
  );
  return 1;
}

await runMain("check:breaking", main);
