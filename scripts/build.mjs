#!/usr/bin/env node
// npm run build: builds the two packages of this tree, each into its own dist/ (git-ignored).
//
//   client  the contract package (root package.json, openreplay-jobs-api): client/ compiled to
//           dist/client/ (tsconfig.build.json) with what it imports from generated/ (types and
//           enum values, the contract document) in dist/generated/, and the conformance kit
//           bundled self-contained into dist/client/conformance/ (scripts/bundle-conformance.mjs).
//           The compiled client reaches generated/ by the relative paths its sources use, which
//           from dist/client/ land in dist/generated/: whatever client code imports from
//           generated/ ships there, once, and the tarball holds no root generated/ (package.json
//           "exports" points ./types and ./openapi.json there).
//   server  the server package (server/package.json, openreplay-jobs-api-server): server/
//           compiled to server/dist/server/ (server/tsconfig.build.json), with the contract core it
//           imports (server/dist/client/contract/, server/dist/generated/), plus
//           server/dist/openapi.yaml, the spec it validates against (http/app.ts SPEC_PATH), so
//           the server tarball needs nothing outside it. A copy rather than a dependency on the
//           contract package: the server must validate against exactly the spec its code was
//           written for, and the contract package is not installable from the registry inside
//           this workspace.
//
// Usage: node scripts/build.mjs [client] [server]   (no argument: both). Each package's `prepack`
// builds its own, so `npm pack` / `npm pack -w server` always ship fresh code.
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run } from "./lib/tools.mjs";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/**
 * tsc emits the JSON files the code imports (generated/contract.json) re-indented by four spaces,
 * half again the size of the data: written back compact (the contract package stays under its
 * 1 MB installed, test/release/client-package.test.ts).
 */
function compactJson(dir) {
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
    writeFileSync(join(dir, file), JSON.stringify(JSON.parse(readFileSync(join(dir, file), "utf8"))));
  }
}

function buildClient() {
  const dist = join(ROOT, "dist");
  rmSync(dist, { recursive: true, force: true });
  run(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json")]);
  // The bundled spec, for the ./openapi.json export and the conformance kit (which reads it from
  // disk), beside what the code imports; compact like the rest.
  copyFileSync(join(ROOT, "generated", "openapi.json"), join(dist, "generated", "openapi.json"));
  compactJson(join(dist, "generated"));
  run(process.execPath, [join(ROOT, "scripts", "bundle-conformance.mjs"), join(dist, "client", "conformance")]);
  const cli = join(dist, "client", "conformance", "cli.js");
  if (existsSync(cli)) chmodSync(cli, 0o755);
  console.log("dist/ built (the client, the conformance kit, and what they import from generated/ in dist/generated/)");
}

function buildServer() {
  const dist = join(ROOT, "server", "dist");
  rmSync(dist, { recursive: true, force: true });
  run(process.execPath, [TSC, "-p", join(ROOT, "server", "tsconfig.build.json")]);
  compactJson(join(dist, "generated"));
  copyFileSync(join(ROOT, "openapi.yaml"), join(dist, "openapi.yaml"));
  const cli = join(dist, "server", "cli", "main.js");
  if (existsSync(cli)) chmodSync(cli, 0o755);
  console.log("server/dist/ built (the server, the CLI, the spec and generated files it reads)");
}

const BUILDS = { client: buildClient, server: buildServer };
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in BUILDS)) {
    console.error(`build: unknown package "${name}" (expected client and/or server)`);
    process.exit(2);
  }
}
for (const name of wanted.length > 0 ? wanted : Object.keys(BUILDS)) BUILDS[name]();
