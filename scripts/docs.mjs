#!/usr/bin/env node
// `npm run docs`: the API reference as one self-contained HTML file (default out/docs/index.html),
// rendered by Redoc through `redocly build-docs --inlineBundle` with docs-template.hbs (named in
// redocly.yaml). On top of a plain build-docs this script:
//   - hands the template the Redoc 3 route of every Redoc 2 deep link (#tag/Jobs,
//     #operation/listJobs, #tag/Jobs/operation/listJobs; see legacyRoutes below), so the page
//     rewrites such a link before Redoc starts instead of painting Redoc's 404 page first;
//   - replaces the two cdn.redoc.ly URLs of Redoc's "API docs by Redocly" logo with an empty inline
//     image: Redoc 3 renders that logo in the sidebar unconditionally (no option hides it), and
//     opening the docs must send no request anywhere (the template also hides the badge);
//   - drops the two boxed notices redocly prints on every build (KNOWN_NOTICES), and passes
//     everything else it prints through;
//   - adds the test-mode table to the introduction (scripts/lib/reference-intro.mjs): the page is
//     built from the bundled spec with that description.
// test/browser/docs.test.ts builds with this script and checks all of the above in Chromium.
//
// Usage: node scripts/docs.mjs [--output FILE]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { referenceDescription } from "./lib/reference-intro.mjs";
import { bundleSpec, operationsOf, REDOCLY, REDOCLY_ENV } from "./lib/spec.mjs";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/tools.mjs";

/**
 * Notices redocly 2.77 prints on every build-docs run, which need no action from whoever runs it:
 * - "Node.js 20 support is ending": this package supports Node 20 (package.json engines) and pins
 *   @redocly/cli 2.77.0, which runs on it; a later redocly needs Node 22 and will come with a
 *   move of the engines field, not with a banner on every build.
 * - "build-docs now renders docs with Redoc 3": the template and its test are written for Redoc 3.
 * A box is dropped only when it contains one of these phrases; any other output stays.
 */
const KNOWN_NOTICES = ["Node.js 20 support is ending", "build-docs now renders docs with Redoc 3"];

/** Redoc's logo (sidebar badge, full and collapsed), fetched from its CDN when the page opens. */
const REDOC_LOGOS = ["https://cdn.redoc.ly/redoc/logo-mini-full.svg", "https://cdn.redoc.ly/redoc/logo-mini.svg"];
const EMPTY_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";

/** Redoc's slug of a tag name (lower-case words joined by "-"), as its routes use it. */
function slug(name) {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * Redoc 2 deep links (lower-cased) → Redoc 3 routes: "tag/jobs" → "/jobs",
 * "operation/listjobs" and "tag/jobs/operation/listjobs" → "/jobs/listjobs".
 */
function legacyRoutes(spec) {
  const routes = {};
  for (const tag of spec.tags ?? []) routes[`tag/${tag.name}`.toLowerCase()] = `/${slug(tag.name)}`;
  for (const { operationId, tags } of operationsOf(spec)) {
    if (!operationId || tags.length === 0) continue;
    const route = `/${slug(tags[0])}/${operationId.toLowerCase()}`;
    routes[`operation/${operationId}`.toLowerCase()] = route;
    routes[`tag/${tags[0]}/operation/${operationId}`.toLowerCase()] = route;
  }
  return routes;
}

/** stderr without the boxes (╔ … ╝) that hold a KNOWN_NOTICES phrase, and without blank runs. */
function withoutKnownNotices(text) {
  const kept = [];
  let box = null;
  for (const line of text.split("\n")) {
    if (box === null && line.includes("╔")) box = [];
    if (box === null) {
      kept.push(line);
      continue;
    }
    box.push(line);
    if (line.includes("╝")) {
      if (!KNOWN_NOTICES.some((notice) => box.join("\n").includes(notice))) kept.push(...box);
      box = null;
    }
  }
  if (box !== null) kept.push(...box);
  return kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+/, "");
}

function main() {
  const args = parseArgs({ options: { output: { type: "string" } } }).values;
  const output = resolve(args.output ?? join(ROOT, "out", "docs", "index.html"));
  mkdirSync(dirname(output), { recursive: true });

  const spec = bundleSpec();
  const routes = JSON.stringify(legacyRoutes(spec)).replace(/</g, "\\u003c");
  spec.info.description = referenceDescription(spec.info.description, readFileSync(join(ROOT, "docs", "frontend.md"), "utf8"));
  const work = mkdtempSync(join(tmpdir(), "jobs-api-docs-"));
  const input = join(work, "openapi.json");
  writeFileSync(input, JSON.stringify(spec));
  // Run from the package root: redocly.yaml (and the template path in it) is found there.
  const built = spawnSync(
    REDOCLY,
    ["build-docs", input, `--output=${output}`, "--inlineBundle", `--templateOptions.legacyRoutes=${routes}`],
    { cwd: ROOT, env: { ...process.env, ...REDOCLY_ENV }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  rmSync(work, { recursive: true, force: true });
  if (built.error) throw built.error;
  const printed = withoutKnownNotices(`${built.stdout}${built.stderr}`);
  if (printed.trim()) process.stderr.write(printed.endsWith("\n") ? printed : `${printed}\n`);
  if (built.status !== 0) throw new Error(`redocly build-docs exited with ${built.status ?? built.signal}`);

  let html = readFileSync(output, "utf8");
  if (!html.includes(routes)) {
    throw new Error(`${relative(ROOT, output)}: docs-template.hbs does not use templateOptions.legacyRoutes`);
  }
  for (const logo of REDOC_LOGOS) {
    const count = html.split(logo).length - 1;
    // Redoc moved or renamed its logo: find the new URL and update REDOC_LOGOS (the docs test
    // fails on any request that leaves the page, so it would notice too).
    if (count !== 1) throw new Error(`expected Redoc's logo ${logo} once in the built page, found it ${count} times`);
    html = html.replace(logo, EMPTY_IMAGE);
  }
  writeFileSync(output, html);
}

try {
  main();
} catch (err) {
  console.error(`docs: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
